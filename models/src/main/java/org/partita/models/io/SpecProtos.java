package org.partita.models.io;

import java.util.ArrayList;
import java.util.List;
import org.partita.models.layers.Activation;
import org.partita.models.layers.AvgPool2DSpec;
import org.partita.models.layers.Conv2DSpec;
import org.partita.models.layers.DenseSpec;
import org.partita.models.layers.DropoutSpec;
import org.partita.models.layers.EmbeddingSpec;
import org.partita.models.layers.FlattenSpec;
import org.partita.models.layers.GruSpec;
import org.partita.models.layers.LayerSpec;
import org.partita.models.layers.LstmSpec;
import org.partita.models.layers.SimpleRnnSpec;
import org.partita.models.layers.MaxPool2DSpec;
import org.partita.models.layers.Shape;
import org.partita.models.layers.Window;
import org.partita.models.loss.Loss;
import org.partita.models.network.ModelSpec;
import org.partita.models.optim.LearningRateSchedule;
import org.partita.models.optim.OptimizerSpec;
import org.partita.models.optim.UpdateRule;
import org.partita.proto.ActivationFunctionProto;
import org.partita.proto.AdamProto;
import org.partita.proto.AvgPool2DSpecProto;
import org.partita.proto.ConstantScheduleProto;
import org.partita.proto.Conv2DSpecProto;
import org.partita.proto.CosineScheduleProto;
import org.partita.proto.DenseSpecProto;
import org.partita.proto.DropoutSpecProto;
import org.partita.proto.EmbeddingSpecProto;
import org.partita.proto.FlattenSpecProto;
import org.partita.proto.FormatVersionProto;
import org.partita.proto.GruSpecProto;
import org.partita.proto.LayerSpecProto;
import org.partita.proto.LearningRateScheduleProto;
import org.partita.proto.LossKindProto;
import org.partita.proto.LossSpecProto;
import org.partita.proto.LstmSpecProto;
import org.partita.proto.SimpleRnnSpecProto;
import org.partita.proto.MaxPool2DSpecProto;
import org.partita.proto.ModelSpecProto;
import org.partita.proto.MomentumProto;
import org.partita.proto.OptimizerSpecProto;
import org.partita.proto.SgdProto;
import org.partita.proto.StepScheduleProto;

/**
 * Model and optimizer specs to and from their wire form. Reading validates as the records do and
 * names the source (a file, a peer) and the field in every error, e.g.
 * "run/manifest.pb: layers[2].conv2d: window 3×3/1 does not fit an input height of 2".
 */
public final class SpecProtos {
  private SpecProtos() {}

  public static ModelSpecProto toProto(ModelSpec spec) {
    ModelSpecProto.Builder builder = ModelSpecProto.newBuilder()
        .setFormatVersion(FormatVersionProto.FORMAT_VERSION_CURRENT_VALUE)
        .setName(spec.name())
        .setLoss(LossSpecProto.newBuilder().setKind(LossKindProto.valueOf(spec.loss().name())))
        .setInitSeed(spec.initSeed());
    Shape input = spec.inputShape();
    if (input.isVector()) {
      builder.addInputShape(input.channels());
    } else {
      builder.addInputShape(input.channels()).addInputShape(input.height()).addInputShape(input.width());
    }
    for (LayerSpec layer : spec.layers()) {
      builder.addLayers(toProto(layer));
    }
    return builder.build();
  }

  public static ModelSpec fromProto(ModelSpecProto proto, String source) {
    checkVersion(proto.getFormatVersion(), source + ": model spec");
    try {
      Shape input = shape(proto.getInputShapeList(), "input_shape");
      List<LayerSpec> layers = new ArrayList<>();
      for (int i = 0; i < proto.getLayersCount(); i++) {
        try {
          layers.add(fromProto(proto.getLayers(i)));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("layers[" + i + "]." + e.getMessage(), e);
        }
      }
      if (proto.getLoss().getKind() == LossKindProto.LOSS_UNSPECIFIED
          || proto.getLoss().getKind() == LossKindProto.UNRECOGNIZED) {
        throw new IllegalArgumentException("loss.kind is not set");
      }
      Loss loss = Loss.valueOf(proto.getLoss().getKind().name());
      return new ModelSpec(proto.getName(), input, layers, loss, proto.getInitSeed());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
    }
  }

  static LayerSpecProto toProto(LayerSpec layer) {
    LayerSpecProto.Builder builder = LayerSpecProto.newBuilder();
    if (layer instanceof DenseSpec dense) {
      builder.setDense(DenseSpecProto.newBuilder().setInputs(dense.inputs()).setOutputs(dense.outputs())
          .setActivation(toProto(dense.activation())).setTimeSteps(dense.timeSteps()));
    } else if (layer instanceof Conv2DSpec conv) {
      builder.setConv2D(Conv2DSpecProto.newBuilder().setInChannels(conv.input().channels())
          .setInHeight(conv.input().height()).setInWidth(conv.input().width()).setOutChannels(conv.filters())
          .setKernelHeight(conv.window().height()).setKernelWidth(conv.window().width())
          .setStride(conv.window().stride()).setPadding(conv.window().padding())
          .setActivation(toProto(conv.activation())));
    } else if (layer instanceof MaxPool2DSpec pool) {
      if (pool.window().height() != pool.window().width() || pool.window().padding() != 0) {
        throw new IllegalArgumentException("the wire format holds square, unpadded pooling windows; got " + pool.window());
      }
      builder.setMaxPool2D(MaxPool2DSpecProto.newBuilder().setChannels(pool.input().channels())
          .setInHeight(pool.input().height()).setInWidth(pool.input().width())
          .setPoolSize(pool.window().height()).setStride(pool.window().stride()));
    } else if (layer instanceof AvgPool2DSpec pool) {
      builder.setAvgPool2D(AvgPool2DSpecProto.newBuilder().setChannels(pool.input().channels())
          .setInHeight(pool.input().height()).setInWidth(pool.input().width())
          .setPoolHeight(pool.window().height()).setPoolWidth(pool.window().width()).setStride(pool.window().stride()));
    } else if (layer instanceof FlattenSpec flatten) {
      builder.setFlatten(FlattenSpecProto.newBuilder().setChannels(flatten.input().channels())
          .setHeight(flatten.input().height()).setWidth(flatten.input().width()));
    } else if (layer instanceof DropoutSpec dropout) {
      if (!dropout.shape().isVector()) {
        throw new IllegalArgumentException("the wire format holds dropout over feature vectors; got " + dropout.shape());
      }
      builder.setDropout(DropoutSpecProto.newBuilder().setFeatures(dropout.shape().size()).setRate(dropout.rate()));
    } else if (layer instanceof SimpleRnnSpec rnn) {
      builder.setSimpleRnn(SimpleRnnSpecProto.newBuilder().setInputs(rnn.inputs()).setHidden(rnn.hidden())
          .setTimeSteps(rnn.timeSteps()).setReturnSequences(rnn.returnSequences()));
    } else if (layer instanceof LstmSpec lstm) {
      builder.setLstm(LstmSpecProto.newBuilder().setInputs(lstm.inputs()).setHidden(lstm.hidden())
          .setTimeSteps(lstm.timeSteps()).setReturnSequences(lstm.returnSequences()).setForgetBias(lstm.forgetBias()));
    } else if (layer instanceof GruSpec gru) {
      builder.setGru(GruSpecProto.newBuilder().setInputs(gru.inputs()).setHidden(gru.hidden())
          .setTimeSteps(gru.timeSteps()).setReturnSequences(gru.returnSequences()));
    } else if (layer instanceof EmbeddingSpec embedding) {
      builder.setEmbedding(EmbeddingSpecProto.newBuilder().setVocabulary(embedding.vocabulary())
          .setDim(embedding.dim()).setTimeSteps(embedding.timeSteps()));
    } else {
      throw new IllegalArgumentException("no wire form for " + layer.describe());
    }
    return builder.build();
  }

  static LayerSpec fromProto(LayerSpecProto proto) {
    switch (proto.getKindCase()) {
      case DENSE -> {
        DenseSpecProto d = proto.getDense();
        return wrap("dense", () -> new DenseSpec(d.getInputs(), d.getOutputs(), activation(d.getActivation()),
            Math.max(1, d.getTimeSteps())));
      }
      case CONV2D -> {
        Conv2DSpecProto c = proto.getConv2D();
        return wrap("conv2d", () -> new Conv2DSpec(new Shape(c.getInChannels(), c.getInHeight(), c.getInWidth()),
            c.getOutChannels(), new Window(c.getKernelHeight(), c.getKernelWidth(), c.getStride(), c.getPadding()),
            activation(c.getActivation())));
      }
      case MAX_POOL2D -> {
        MaxPool2DSpecProto p = proto.getMaxPool2D();
        return wrap("max_pool2d", () -> new MaxPool2DSpec(new Shape(p.getChannels(), p.getInHeight(), p.getInWidth()),
            Window.square(p.getPoolSize(), p.getStride(), 0)));
      }
      case AVG_POOL2D -> {
        AvgPool2DSpecProto p = proto.getAvgPool2D();
        return wrap("avg_pool2d", () -> new AvgPool2DSpec(new Shape(p.getChannels(), p.getInHeight(), p.getInWidth()),
            new Window(p.getPoolHeight(), p.getPoolWidth(), p.getStride(), 0)));
      }
      case FLATTEN -> {
        FlattenSpecProto f = proto.getFlatten();
        return wrap("flatten", () -> new FlattenSpec(new Shape(f.getChannels(), f.getHeight(), f.getWidth())));
      }
      case DROPOUT -> {
        DropoutSpecProto d = proto.getDropout();
        return wrap("dropout", () -> new DropoutSpec(Shape.vector(d.getFeatures()), d.getRate()));
      }
      case SIMPLE_RNN -> {
        SimpleRnnSpecProto r = proto.getSimpleRnn();
        return wrap("simple_rnn", () -> new SimpleRnnSpec(r.getInputs(), r.getHidden(), r.getTimeSteps(),
            r.getReturnSequences()));
      }
      case LSTM -> {
        LstmSpecProto l = proto.getLstm();
        return wrap("lstm", () -> new LstmSpec(l.getInputs(), l.getHidden(), l.getTimeSteps(), l.getReturnSequences(),
            l.getForgetBias()));
      }
      case GRU -> {
        GruSpecProto g = proto.getGru();
        return wrap("gru", () -> new GruSpec(g.getInputs(), g.getHidden(), g.getTimeSteps(), g.getReturnSequences()));
      }
      case EMBEDDING -> {
        EmbeddingSpecProto e = proto.getEmbedding();
        return wrap("embedding", () -> new EmbeddingSpec(e.getVocabulary(), e.getDim(), e.getTimeSteps()));
      }
      default -> throw new IllegalArgumentException("kind: no layer kind is set");
    }
  }

  private static LayerSpec wrap(String field, java.util.function.Supplier<LayerSpec> build) {
    try {
      return build.get();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(field + ": " + e.getMessage(), e);
    }
  }

  public static OptimizerSpecProto toProto(OptimizerSpec spec) {
    OptimizerSpecProto.Builder builder = OptimizerSpecProto.newBuilder()
        .setLearningRate(spec.learningRate())
        .setWeightDecay(spec.weightDecay())
        .setClipGlobalNorm(spec.clipGlobalNorm());
    if (spec.rule() instanceof UpdateRule.Momentum m) {
      builder.setMomentum(MomentumProto.newBuilder().setMomentum(m.momentum()).setNesterov(m.nesterov()));
    } else if (spec.rule() instanceof UpdateRule.Adam a) {
      builder.setAdam(AdamProto.newBuilder().setBeta1(a.beta1()).setBeta2(a.beta2()).setEpsilon(a.epsilon()));
    } else {
      builder.setSgd(SgdProto.getDefaultInstance());
    }
    LearningRateScheduleProto.Builder schedule = LearningRateScheduleProto.newBuilder();
    if (spec.schedule() instanceof LearningRateSchedule.StepDecay step) {
      schedule.setStep(StepScheduleProto.newBuilder().setStepSize(step.stepSize()).setGamma(step.gamma()));
    } else if (spec.schedule() instanceof LearningRateSchedule.Cosine cosine) {
      schedule.setCosine(CosineScheduleProto.newBuilder().setTotalSteps(cosine.totalSteps())
          .setMinLearningRate(cosine.minRate()).setWarmupSteps(cosine.warmupSteps()));
    } else {
      schedule.setConstant(ConstantScheduleProto.getDefaultInstance());
    }
    return builder.setSchedule(schedule).build();
  }

  public static OptimizerSpec fromProto(OptimizerSpecProto proto, String source) {
    try {
      UpdateRule rule = switch (proto.getKindCase()) {
        case SGD -> new UpdateRule.Sgd();
        case MOMENTUM -> new UpdateRule.Momentum(proto.getMomentum().getMomentum(), proto.getMomentum().getNesterov());
        case ADAM -> new UpdateRule.Adam(proto.getAdam().getBeta1(), proto.getAdam().getBeta2(),
            proto.getAdam().getEpsilon());
        default -> throw new IllegalArgumentException("kind: no update rule is set");
      };
      LearningRateScheduleProto s = proto.getSchedule();
      LearningRateSchedule schedule = switch (s.getKindCase()) {
        case STEP -> new LearningRateSchedule.StepDecay(s.getStep().getStepSize(), s.getStep().getGamma());
        case COSINE -> new LearningRateSchedule.Cosine(s.getCosine().getTotalSteps(),
            s.getCosine().getMinLearningRate(), s.getCosine().getWarmupSteps());
        default -> new LearningRateSchedule.Constant();
      };
      return new OptimizerSpec(rule, proto.getLearningRate(), schedule, proto.getWeightDecay(),
          proto.getClipGlobalNorm());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(source + ": optimizer: " + e.getMessage(), e);
    }
  }

  /** Readers refuse formats they do not know instead of misreading them. */
  public static void checkVersion(int version, String what) {
    if (version != FormatVersionProto.FORMAT_VERSION_CURRENT_VALUE) {
      throw new IllegalArgumentException(what + " is in format version " + version + "; this Partita reads version "
          + FormatVersionProto.FORMAT_VERSION_CURRENT_VALUE);
    }
  }

  private static Shape shape(List<Integer> dims, String field) {
    return switch (dims.size()) {
      case 1 -> Shape.vector(dims.get(0));
      case 3 -> new Shape(dims.get(0), dims.get(1), dims.get(2));
      default -> throw new IllegalArgumentException(field + " must have 1 or 3 dimensions, got " + dims);
    };
  }


  private static ActivationFunctionProto toProto(Activation activation) {
    return ActivationFunctionProto.valueOf(activation.name());
  }

  private static Activation activation(ActivationFunctionProto proto) {
    if (proto == ActivationFunctionProto.ACTIVATION_UNSPECIFIED || proto == ActivationFunctionProto.UNRECOGNIZED) {
      throw new IllegalArgumentException("activation is not set");
    }
    return Activation.valueOf(proto.name());
  }
}
