package org.partita.partitioner;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.IntFunction;
import org.partita.models.network.ModelSpec;

/**
 * An explicit plan as users write it — "replicas=2", "stages=2,slices=2,micro-batches=4",
 * "schedule=1f1b" — read strictly, so a typo fails before any node or Spark task starts, and
 * turned into a balanced {@link PartitionPlan}. "auto" and "model-parallel" are not shapes: the
 * caller asks the planner (for the fastest plan, or the fastest that splits each replica of the model
 * over several workers).
 */
public record PlanShape(int replicas, int stages, int slices, int microBatches, PipelineSchedule schedule) {

  public static boolean isAuto(String text) {
    return text.trim().equalsIgnoreCase("auto");
  }

  public static boolean isModelParallel(String text) {
    return text.trim().equalsIgnoreCase("model-parallel");
  }

  /** "auto" or "model-parallel": the planner chooses. */
  public static boolean isPlannerChoice(String text) {
    return isAuto(text) || isModelParallel(text);
  }

  /** Reads {@code text}; {@code option} names where it came from in errors (e.g. "--plan", "plan param"). */
  public static PlanShape parse(String text, String option) {
    int replicas = 1;
    int stages = 1;
    int slices = 1;
    int microBatches = 1;
    PipelineSchedule schedule = PipelineSchedule.GPIPE;
    for (String part : text.split(",")) {
      String[] pair = part.trim().split("=");
      if (pair.length != 2) {
        throw new IllegalArgumentException(option + " '" + text + "': '" + part + "' is not key=value; use auto,"
            + " model-parallel or e.g. replicas=2 or stages=2,slices=2,micro-batches=4");
      }
      String value = pair[1].trim();
      switch (pair[0].trim().toLowerCase(Locale.ROOT)) {
        case "replicas" -> replicas = positive(text, option, pair[0], value);
        case "stages" -> stages = positive(text, option, pair[0], value);
        case "slices" -> slices = positive(text, option, pair[0], value);
        case "micro-batches", "micro" -> microBatches = positive(text, option, pair[0], value);
        case "schedule" -> schedule = switch (value.toLowerCase(Locale.ROOT)) {
          case "gpipe" -> PipelineSchedule.GPIPE;
          case "1f1b", "one-f-one-b" -> PipelineSchedule.ONE_F_ONE_B;
          default -> throw new IllegalArgumentException(option + " '" + text + "': schedule must be gpipe or 1f1b");
        };
        default -> throw new IllegalArgumentException(option + " '" + text + "': unknown key '" + pair[0]
            + "'; keys are replicas, stages, slices, micro-batches, schedule");
      }
    }
    return new PlanShape(replicas, stages, slices, microBatches, schedule);
  }

  public int shards() {
    return replicas * stages * slices;
  }

  /**
   * The balanced plan of this shape for {@code model} and global batch {@code batch}, shard i (in
   * {@link PartitionPlan#shards()} order) on {@code nodes.get(i % nodes.size())}; {@code cuts}
   * gives the stage boundaries for a stage count above one.
   */
  public PartitionPlan toPlan(ModelSpec model, int batch, List<String> nodes, IntFunction<int[]> cuts, String text,
      String option) {
    if (stages > model.layers().size()) {
      throw new IllegalArgumentException(option + " '" + text + "': model '" + model.name() + "' has only "
          + model.layers().size() + " layers for " + stages + " stages");
    }
    if (replicas > batch) {
      throw new IllegalArgumentException(option + " '" + text + "': " + replicas + " replicas cannot share a batch of "
          + batch + " samples");
    }
    int[] sliceCounts = new int[stages];
    Arrays.fill(sliceCounts, slices);
    List<String> placement = new ArrayList<>();
    for (int i = 0; i < shards(); i++) {
      placement.add(nodes.get(i % nodes.size()));
    }
    int[] stageCuts = stages == 1 ? new int[] {0, model.layers().size()} : cuts.apply(stages);
    return PartitionPlan.balanced(model, replicas, stageCuts, sliceCounts, microBatches, schedule, batch, placement);
  }

  private static int positive(String text, String option, String key, String value) {
    try {
      int number = Integer.parseInt(value);
      if (number >= 1) {
        return number;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(option + " '" + text + "': " + key + " must be a whole number ≥ 1, got '"
        + value + "'");
  }
}
