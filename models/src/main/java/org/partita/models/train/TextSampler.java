package org.partita.models.train;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.jblas.FloatMatrix;
import org.partita.models.blas.Blas;
import org.partita.models.data.TextCorpus;
import org.partita.models.layers.BatchContext;
import org.partita.models.layers.DenseSpec;
import org.partita.models.layers.LayerSpec;
import org.partita.models.layers.LstmSpec;
import org.partita.models.layers.Shape;
import org.partita.models.layers.SimpleRnnSpec;
import org.partita.models.network.ModelSpec;
import org.partita.models.network.Network;

/**
 * Generates text from a trained character model one symbol at a time. Recurrent and per-step
 * layers have the same parameters whatever their number of time steps, so the trained weights are
 * copied into a one-step copy of the model whose state is carried from symbol to symbol.
 */
public final class TextSampler {
  private final Network stepper;
  private final TextCorpus corpus;
  private final FloatMatrix input;

  public TextSampler(Network trained, TextCorpus corpus, Blas blas) {
    ModelSpec spec = trained.spec();
    List<LayerSpec> oneStep = new ArrayList<>();
    for (LayerSpec layer : spec.layers()) {
      oneStep.add(oneStep(layer));
    }
    int vocabulary = corpus.vocabularySize();
    this.stepper = new Network(new ModelSpec(spec.name() + "-sampler", new Shape(1, vocabulary, 1), oneStep,
        spec.loss(), spec.initSeed()), blas);
    for (int p = 0; p < trained.parameters().size(); p++) {
      FloatMatrix source = trained.parameters().get(p).value();
      System.arraycopy(source.data, 0, stepper.parameters().get(p).value().data, 0, source.data.length);
    }
    this.corpus = corpus;
    this.input = new FloatMatrix(vocabulary, 1);
  }

  private static LayerSpec oneStep(LayerSpec layer) {
    if (layer instanceof LstmSpec lstm) {
      return new LstmSpec(lstm.inputs(), lstm.hidden(), 1, true, lstm.forgetBias());
    }
    if (layer instanceof SimpleRnnSpec rnn) {
      return new SimpleRnnSpec(rnn.inputs(), rnn.hidden(), 1, true);
    }
    if (layer instanceof DenseSpec dense) {
      return new DenseSpec(dense.inputs(), dense.outputs(), dense.activation(), 1);
    }
    throw new IllegalArgumentException("cannot sample from a model with " + layer.describe()
        + "; character models are recurrent and per-step dense layers");
  }

  /**
   * Feeds {@code prompt} (characters the corpus lacks are skipped), then draws {@code length}
   * characters from softmax(logits / temperature). Deterministic for a given seed.
   */
  public String sample(String prompt, int length, float temperature, long seed) {
    if (!(temperature > 0)) {
      throw new IllegalArgumentException("temperature must be positive, got " + temperature);
    }
    stepper.resetRecurrentState();
    SplittableRandom random = new SplittableRandom(seed);
    FloatMatrix logits = null;
    for (int i = 0; i < prompt.length(); i++) {
      int code = corpus.code(prompt.charAt(i));
      if (code >= 0) {
        logits = feed(code);
      }
    }
    if (logits == null) {
      logits = feed(random.nextInt(corpus.vocabularySize()));
    }
    StringBuilder text = new StringBuilder(prompt);
    for (int i = 0; i < length; i++) {
      int code = draw(logits, temperature, random);
      text.append(corpus.symbol(code));
      logits = feed(code);
    }
    stepper.resetRecurrentState();
    return text.toString();
  }

  private FloatMatrix feed(int code) {
    java.util.Arrays.fill(input.data, 0f);
    input.data[code] = 1f;
    FloatMatrix logits = stepper.forward(input, BatchContext.inference());
    stepper.carryRecurrentState();
    return logits;
  }

  private static int draw(FloatMatrix logits, float temperature, SplittableRandom random) {
    double max = Double.NEGATIVE_INFINITY;
    for (float value : logits.data) {
      max = Math.max(max, value);
    }
    double[] weights = new double[logits.data.length];
    double sum = 0;
    for (int i = 0; i < weights.length; i++) {
      weights[i] = Math.exp((logits.data[i] - max) / temperature);
      sum += weights[i];
    }
    double u = random.nextDouble() * sum;
    for (int i = 0; i < weights.length; i++) {
      u -= weights[i];
      if (u <= 0) {
        return i;
      }
    }
    return weights.length - 1;
  }
}
