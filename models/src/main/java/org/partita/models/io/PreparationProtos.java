package org.partita.models.io;

import org.partita.models.data.DataFormat;
import org.partita.models.data.DataPreparation;
import org.partita.models.data.Standardization;
import org.partita.proto.DataPreparationProto;
import org.partita.proto.StandardizationProto;

/** {@link DataPreparation} to and from its protobuf form, which checkpoint manifests carry. */
public final class PreparationProtos {
  private PreparationProtos() {}

  public static DataPreparationProto toProto(DataPreparation preparation) {
    return DataPreparationProto.newBuilder()
        .setFormat(preparation.format().flag())
        .setFeatures(toProto(preparation.features()))
        .addAllFeatureNames(preparation.featureNames())
        .addAllClassNames(preparation.classNames())
        .addAllLabelNames(preparation.labelNames())
        .setTargets(toProto(preparation.targets()))
        .build();
  }

  private static StandardizationProto toProto(Standardization standardization) {
    StandardizationProto.Builder proto = StandardizationProto.newBuilder();
    for (int g = 0; g < standardization.groups(); g++) {
      proto.addMean(standardization.mean()[g]).addStd(standardization.std()[g]);
    }
    return proto.build();
  }

  /** Throws IllegalArgumentException naming {@code source} when the proto is not a valid preparation. */
  public static DataPreparation fromProto(DataPreparationProto proto, String source) {
    try {
      return new DataPreparation(DataFormat.named(proto.getFormat()), fromProto(proto.getFeatures()),
          proto.getFeatureNamesList(), proto.getClassNamesList(), proto.getLabelNamesList(),
          fromProto(proto.getTargets()));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(source + ": data preparation: " + e.getMessage(), e);
    }
  }

  private static Standardization fromProto(StandardizationProto proto) {
    return new Standardization(proto.getMeanList().stream().mapToDouble(Double::doubleValue).toArray(),
        proto.getStdList().stream().mapToDouble(Double::doubleValue).toArray());
  }
}
