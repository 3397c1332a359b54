package org.partita.models.io;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/**
 * The nearest valid name to a misspelt one, for "did you mean" in refusals: the candidate with
 * the smallest edit distance (Levenshtein, case ignored), if it is close enough to be a likely typo.
 */
public final class Spelling {
  private Spelling() {}

  /** The closest candidate within a third of the word's length (at least 2 edits), if any. */
  public static Optional<String> nearest(String word, Collection<String> candidates) {
    String lower = word.toLowerCase(Locale.ROOT);
    int allowed = Math.max(2, lower.length() / 3);
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : candidates) {
      int distance = distance(lower, candidate.toLowerCase(Locale.ROOT));
      if (distance < bestDistance) {
        best = candidate;
        bestDistance = distance;
      }
    }
    return bestDistance <= allowed ? Optional.ofNullable(best) : Optional.empty();
  }

  /** "; did you mean 'filters'?" or "" when nothing is close. */
  public static String didYouMean(String word, Collection<String> candidates) {
    return nearest(word, candidates).map(name -> "; did you mean '" + name + "'?").orElse("");
  }

  /** Insertions, deletions and substitutions that turn {@code a} into {@code b}. */
  static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
