package org.partita.models.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** Opening data files the same way for every reader: gzip recognised by its magic bytes, a missing file named. */
final class DataFiles {
  private DataFiles() {}

  /** The file's bytes, decompressed when they are gzip (magic 1f 8b), through a 64 KiB buffer. */
  static InputStream open(Path path) throws IOException {
    if (Files.isDirectory(path)) {
      throw new DataFormatException(path, "is a directory, not a file");
    }
    InputStream raw;
    try {
      raw = new BufferedInputStream(Files.newInputStream(path), 1 << 16);
    } catch (NoSuchFileException e) {
      throw new DataFormatException(path, "file not found", e);
    }
    raw.mark(2);
    int first = raw.read();
    int second = raw.read();
    raw.reset();
    if (first == 0x1f && second == 0x8b) {
      try {
        return new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16);
      } catch (java.util.zip.ZipException e) {
        raw.close();
        throw new DataFormatException(path, "corrupt gzip header (" + e.getMessage() + ")", e);
      }
    }
    return raw;
  }

  /** A problem met while reading {@code path}'s gzip stream, as the file's own error. */
  static DataFormatException gzipProblem(Path path, IOException e) {
    if (e instanceof DataFormatException named) {
      return named;
    }
    if (e instanceof java.util.zip.ZipException) {
      return new DataFormatException(path, "corrupt gzip data (" + e.getMessage() + ")", e);
    }
    if (e instanceof java.io.EOFException) {
      return new DataFormatException(path, "truncated gzip data (" + e.getMessage() + ")", e);
    }
    return new DataFormatException(path, e.getMessage(), e);
  }
}
