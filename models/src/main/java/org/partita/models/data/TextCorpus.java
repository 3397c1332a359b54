package org.partita.models.data;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * Plain text for character-level language models: a file, or every text file of a directory (e.g.
 * Debian's fortunes in /usr/share/games/fortunes), its vocabulary of distinct characters, a
 * held-out split, windows for truncated BPTT, and the unigram baseline a model must beat.
 */
public final class TextCorpus {
  private final String name;
  private final String text;
  private final char[] symbols;
  private final int[] codeOf;

  private TextCorpus(String name, String text) {
    this.name = name;
    this.text = text;
    TreeSet<Character> distinct = new TreeSet<>();
    for (int i = 0; i < text.length(); i++) {
      distinct.add(text.charAt(i));
    }
    symbols = new char[distinct.size()];
    int k = 0;
    for (char c : distinct) {
      symbols[k++] = c;
    }
    codeOf = new int[Character.MAX_VALUE + 1];
    Arrays.fill(codeOf, -1);
    for (int i = 0; i < symbols.length; i++) {
      codeOf[symbols[i]] = i;
    }
  }

  /** Text from memory, for tests. */
  public static TextCorpus of(String name, String text) {
    if (text.length() < 2) {
      throw new IllegalArgumentException(name + ": a corpus needs at least two characters");
    }
    return new TextCorpus(name, text);
  }

  /**
   * Reads a UTF-8 file, or the regular files of a directory in name order (skipping symbolic
   * links and fortune's binary ".dat" indexes), keeping at most {@code maxChars} characters.
   */
  public static TextCorpus read(Path path, int maxChars) throws IOException {
    if (!Files.exists(path)) {
      throw new DataFormatException(path, "text not found; Debian's fortunes package provides "
          + "/usr/share/games/fortunes (deploy/bin/setup installs it)");
    }
    List<Path> files = new ArrayList<>();
    if (Files.isDirectory(path)) {
      try (var listing = Files.list(path)) {
        listing.filter(f -> Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS))
            .filter(f -> !f.getFileName().toString().endsWith(".dat"))
            .sorted()
            .forEach(files::add);
      }
    } else {
      files.add(path);
    }
    StringBuilder text = new StringBuilder();
    for (Path file : files) {
      if (text.length() >= maxChars) {
        break;
      }
      text.append(decode(file));
    }
    if (text.length() > maxChars) {
      text.setLength(maxChars);
    }
    if (text.length() < 2) {
      throw new DataFormatException(path, "holds no text");
    }
    return new TextCorpus(path.toString(), text.toString());
  }

  private static String decode(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      // Old text files are often Latin-1; every byte is a character there, so nothing is lost.
      return new String(bytes, StandardCharsets.ISO_8859_1);
    }
  }

  public String name() {
    return name;
  }

  public int length() {
    return text.length();
  }

  public int vocabularySize() {
    return symbols.length;
  }

  public char symbol(int code) {
    return symbols[code];
  }

  /** The code of a character, or −1 when the corpus never contains it. */
  public int code(char c) {
    return codeOf[c];
  }

  /** Characters [from, to) as codes. */
  public int[] codes(int from, int to) {
    int[] codes = new int[to - from];
    for (int i = from; i < to; i++) {
      codes[i - from] = codeOf[text.charAt(i)];
    }
    return codes;
  }

  /** First (1 − heldOutFraction) of the text for training, the rest held out. */
  public int splitPoint(double heldOutFraction) {
    if (!(heldOutFraction > 0 && heldOutFraction < 1)) {
      throw new IllegalArgumentException("held-out fraction must be in (0, 1), got " + heldOutFraction);
    }
    return (int) Math.round(text.length() * (1 - heldOutFraction));
  }

  /**
   * Bits per character of the held-out text under the training text's character frequencies
   * (add-one smoothing): the baseline a sequence model must beat.
   */
  public double unigramBitsPerChar(int[] train, int[] heldOut) {
    double[] counts = new double[symbols.length];
    Arrays.fill(counts, 1);
    for (int code : train) {
      counts[code]++;
    }
    double total = train.length + symbols.length;
    double bits = 0;
    for (int code : heldOut) {
      bits -= Math.log(counts[code] / total) / Math.log(2);
    }
    return bits / heldOut.length;
  }

  /** Windows of {@code codes} for {@code streams} parallel streams (see {@link StreamWindows}). */
  public StreamWindows windows(String part, int[] codes, int streams, int timeSteps) {
    return new StreamWindows(name + " " + part, codes, symbols.length, streams, timeSteps);
  }
}
