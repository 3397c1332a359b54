package org.partita.models.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.partita.models.blas.Blas;
import org.partita.models.data.StreamWindows;
import org.partita.models.data.TextCorpus;
import org.partita.models.network.ModelSpec;
import org.partita.models.network.StandardModels;
import org.partita.models.optim.OptimizerSpec;

/**
 * A character LSTM with state carried across windows learns a text whose next character depends
 * on more context than one window start provides, and generates from what it learnt.
 */
class CharacterModelTest {
  @Test
  void learnsARepeatingTextAndSamplesIt() {
    String unit = "the cat sat on the mat. ";
    TextCorpus corpus = TextCorpus.of("cats", unit.repeat(200));
    int split = corpus.splitPoint(0.1);
    StreamWindows train = corpus.windows("train", corpus.codes(0, split), 8, 12);
    StreamWindows test = corpus.windows("test", corpus.codes(split, corpus.length()), 2, 12);
    ModelSpec spec = StandardModels.charLstm(corpus.vocabularySize(), 12, 32, 3);
    LocalTrainer trainer = new LocalTrainer(spec,
        new TrainingConfig(6, 8, 1, OptimizerSpec.adam(0.02f), TrainingConfig.BatchOrder.STREAMS), Blas.get());
    TrainingReport report = trainer.fit(train, test, TrainingListener.NONE);
    double bits = report.finalTest().loss() / Math.log(2);
    double unigram = corpus.unigramBitsPerChar(corpus.codes(0, split), corpus.codes(split, corpus.length()));
    assertTrue(bits < unigram - 2, "held-out " + bits + " bits/char vs unigram " + unigram);

    TextSampler sampler = new TextSampler(trainer.network(), corpus, Blas.get());
    String sample = sampler.sample("the ", 48, 0.5f, 9);
    assertEquals(52, sample.length());
    assertEquals(sample, sampler.sample("the ", 48, 0.5f, 9), "same seed, same text");
    assertTrue(sample.contains("at "), sample);
  }
}
