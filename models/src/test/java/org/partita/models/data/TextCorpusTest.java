package org.partita.models.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jblas.FloatMatrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextCorpusTest {
  @TempDir
  Path directory;

  @Test
  void vocabularyIsSortedDistinctCharacters() {
    TextCorpus corpus = TextCorpus.of("t", "banana");
    assertEquals(3, corpus.vocabularySize());
    assertEquals('a', corpus.symbol(0));
    assertEquals(2, corpus.code('n'));
    assertEquals(-1, corpus.code('z'));
    assertArrayEquals(new int[] {1, 0, 2, 0, 2, 0}, corpus.codes(0, 6));
  }

  /** Sample k·B + b is window k of stream b; targets are the inputs shifted by one step. */
  @Test
  void windowsFollowStreamsAndShiftTargetsByOne() {
    TextCorpus corpus = TextCorpus.of("t", "abcdefghijklmnopqrstuvwxyz");
    StreamWindows windows = corpus.windows("all", corpus.codes(0, 26), 2, 3);
    // Streams of 13: a..m and n..z; ⌊12/3⌋ = 4 windows each.
    assertEquals(8, windows.size());
    int v = corpus.vocabularySize();
    FloatMatrix inputs = new FloatMatrix(3 * v, 2);
    FloatMatrix targets = new FloatMatrix(3 * v, 2);
    windows.copyBatch(null, 2, 2, inputs, targets);   // window 1 of streams 0 and 1
    assertEquals("def", decode(inputs, 0, corpus));
    assertEquals("efg", decode(targets, 0, corpus));
    assertEquals("qrs", decode(inputs, 1, corpus));
    assertEquals("rst", decode(targets, 1, corpus));
  }

  @Test
  void unigramBaselineOfAUniformTextIsLogOfTheVocabulary() {
    TextCorpus corpus = TextCorpus.of("t", "abcd".repeat(100));
    int[] codes = corpus.codes(0, 400);
    assertEquals(2.0, corpus.unigramBitsPerChar(codes, codes), 1e-9);
  }

  @Test
  void readsADirectorySkippingIndexesAndLinksAndFallsBackToLatin1() throws IOException {
    Files.writeString(directory.resolve("a"), "héllo ", StandardCharsets.UTF_8);
    Files.write(directory.resolve("b"), new byte[] {'w', (byte) 0xe9, 'b'});
    Files.write(directory.resolve("b.dat"), new byte[] {0, 1, 2});
    Files.createSymbolicLink(directory.resolve("a.u8"), directory.resolve("a"));
    TextCorpus corpus = TextCorpus.read(directory, 1000);
    assertEquals(9, corpus.length());
    assertTrue(corpus.code('é') >= 0);
    assertEquals(6, TextCorpus.read(directory, 6).length());
    DataFormatException missing = assertThrows(DataFormatException.class,
        () -> TextCorpus.read(directory.resolve("none"), 10));
    assertTrue(missing.getMessage().contains("fortunes"), missing.getMessage());
  }

  private static String decode(FloatMatrix oneHot, int column, TextCorpus corpus) {
    int v = corpus.vocabularySize();
    StringBuilder text = new StringBuilder();
    for (int t = 0; t < oneHot.rows / v; t++) {
      for (int c = 0; c < v; c++) {
        if (oneHot.get(t * v + c, column) == 1f) {
          text.append(corpus.symbol(c));
        }
      }
    }
    return text.toString();
  }
}
