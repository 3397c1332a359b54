package org.partita.spark;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.partita.models.io.ModelFiles;
import org.partita.models.network.ModelSpec;
import org.partita.models.optim.LearningRateSchedule;
import org.partita.models.optim.OptimizerSpec;
import org.partita.models.optim.UpdateRule;
import org.partita.models.train.TrainingConfig;
import org.partita.partitioner.ClusterSpec;
import org.partita.partitioner.CostModel;
import org.partita.partitioner.Link;
import org.partita.partitioner.MachineProfile;
import org.partita.partitioner.MachineProfiles;
import org.partita.partitioner.NodeSpec;
import org.partita.partitioner.PartitionPlan;
import org.partita.partitioner.PlanShape;
import org.partita.partitioner.Planner;
import org.partita.proto.TrainingOutcomeProto;

/**
 * Trains a Partita network on a DataFrame of feature vectors and class labels, inside the Spark
 * application, data-parallel, model-parallel or both ({@link BarrierTraining}); the result is a
 * {@link PartitaClassificationModel}. A Spark ML Estimator: Params, {@code fit}, usable in a
 * {@code Pipeline} after {@code VectorAssembler} or {@code StandardScaler}, saved and loaded.
 *
 * <p>Params: {@code model} (a named model, a model file or a ModelSpecProto file), {@code epochs},
 * {@code batchSize} (global), {@code optimizer} (adam, sgd, momentum, nesterov),
 * {@code learningRate}, {@code plan} ("auto": the planner's choice for the task slots; or e.g.
 * "replicas=2", "slices=2", "stages=2,slices=2,micro-batches=4"), {@code replicas} (when above 0,
 * the replica count, overriding the plan's), {@code seed}, {@code checkpointDir} (a directory
 * every executor and the driver task can reach; a retried stage resumes from its newest
 * checkpoint), {@code checkpointInterval}, {@code tlsDir} (mutual TLS between the task nodes,
 * required unless the master is local), and the column names.
 */
public final class PartitaClassifier extends Estimator<PartitaClassificationModel> implements MLWritable {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PartitaClassifier.class);

  private final String uid;

  public final Param<String> featuresCol;
  public final Param<String> labelCol;
  public final Param<String> model;
  public final IntParam epochs;
  public final IntParam batchSize;
  public final Param<String> optimizer;
  public final DoubleParam learningRate;
  public final Param<String> plan;
  public final IntParam replicas;
  public final LongParam seed;
  public final Param<String> checkpointDir;
  public final IntParam checkpointInterval;
  public final IntParam stepTimeoutSeconds;
  public final Param<String> tlsDir;

  public PartitaClassifier() {
    this(Identifiable$.MODULE$.randomUID("partitaClassifier"));
  }

  public PartitaClassifier(String uid) {
    this.uid = uid;
    // Params name their parent by uid, so they are made once the uid is set.
    this.featuresCol = new Param<>(this, "featuresCol", "features column (a vector)");
    this.labelCol = new Param<>(this, "labelCol", "label column (class index 0..classes-1)");
    this.model = new Param<>(this, "model",
        ModelFiles.CHOICES);
    this.epochs = new IntParam(this, "epochs", "passes over the data (≥ 1)", ParamValidators.gtEq(1));
    this.batchSize = new IntParam(this, "batchSize", "global batch size (≥ 1)", ParamValidators.gtEq(1));
    this.optimizer = new Param<>(this, "optimizer", "adam, sgd, momentum or nesterov");
    this.learningRate = new DoubleParam(this, "learningRate", "learning rate (> 0)", ParamValidators.gt(0));
    this.plan = new Param<>(this, "plan", "auto, model-parallel, or e.g. replicas=2, slices=2, stages=2,slices=2,micro-batches=4");
    this.replicas = new IntParam(this, "replicas", "replica count, overriding the plan's (0: the plan's)",
        ParamValidators.gtEq(0));
    this.checkpointDir = new Param<>(this, "checkpointDir",
        "directory for checkpoints, reachable from every executor; a retried stage resumes from the newest");
    this.seed = new LongParam(this, "seed", "seed of the initial weights and the data order");
    this.checkpointInterval = new IntParam(this, "checkpointInterval", "optimizer steps between checkpoints (≥ 1)",
        ParamValidators.gtEq(1));
    this.tlsDir = new Param<>(this, "tlsDir", "directory on every executor with task-i.p12, truststore.p12 and"
        + " password (partita certs --names task-0,...): mutual TLS between the task nodes; required off local");
    this.stepTimeoutSeconds = new IntParam(this, "stepTimeoutSeconds",
        "seconds a training step may take before the shards are declared stuck (≥ 1)", ParamValidators.gtEq(1));
    setDefault(featuresCol, "features");
    setDefault(labelCol, "label");
    setDefault(model, "mlp");
    setDefault(epochs, 5);
    setDefault(batchSize, 128);
    setDefault(optimizer, "adam");
    setDefault(learningRate, 0.001);
    setDefault(plan, "auto");
    setDefault(replicas, 0);
    setDefault(seed, 1L);
    setDefault(checkpointInterval, 100);
    setDefault(stepTimeoutSeconds, 120);
  }

  @Override
  public String uid() {
    return uid;
  }

  // Accessors Spark's Params.params() finds by reflection, and setters.
  public Param<String> featuresCol() {
    return featuresCol;
  }

  public Param<String> labelCol() {
    return labelCol;
  }

  public Param<String> model() {
    return model;
  }

  public IntParam epochs() {
    return epochs;
  }

  public IntParam batchSize() {
    return batchSize;
  }

  public Param<String> optimizer() {
    return optimizer;
  }

  public DoubleParam learningRate() {
    return learningRate;
  }

  public Param<String> plan() {
    return plan;
  }

  public IntParam replicas() {
    return replicas;
  }

  public LongParam seed() {
    return seed;
  }

  public Param<String> checkpointDir() {
    return checkpointDir;
  }

  public IntParam checkpointInterval() {
    return checkpointInterval;
  }

  public IntParam stepTimeoutSeconds() {
    return stepTimeoutSeconds;
  }

  public Param<String> tlsDir() {
    return tlsDir;
  }

  public PartitaClassifier setTlsDir(String value) {
    return (PartitaClassifier) set(tlsDir, value);
  }

  public PartitaClassifier setFeaturesCol(String value) {
    return (PartitaClassifier) set(featuresCol, value);
  }

  public PartitaClassifier setLabelCol(String value) {
    return (PartitaClassifier) set(labelCol, value);
  }

  public PartitaClassifier setModel(String value) {
    return (PartitaClassifier) set(model, value);
  }

  public PartitaClassifier setEpochs(int value) {
    return (PartitaClassifier) set(epochs, value);
  }

  public PartitaClassifier setBatchSize(int value) {
    return (PartitaClassifier) set(batchSize, value);
  }

  public PartitaClassifier setOptimizer(String value) {
    return (PartitaClassifier) set(optimizer, value);
  }

  public PartitaClassifier setLearningRate(double value) {
    return (PartitaClassifier) set(learningRate, value);
  }

  public PartitaClassifier setPlan(String value) {
    return (PartitaClassifier) set(plan, value);
  }

  public PartitaClassifier setReplicas(int value) {
    return (PartitaClassifier) set(replicas, value);
  }

  public PartitaClassifier setSeed(long value) {
    return (PartitaClassifier) set(seed, value);
  }

  public PartitaClassifier setCheckpointDir(String value) {
    return (PartitaClassifier) set(checkpointDir, value);
  }

  public PartitaClassifier setCheckpointInterval(int value) {
    return (PartitaClassifier) set(checkpointInterval, value);
  }

  public PartitaClassifier setStepTimeoutSeconds(int value) {
    return (PartitaClassifier) set(stepTimeoutSeconds, value);
  }

  /** The network this estimator trains, with its seed. */
  public ModelSpec modelSpec() {
    try {
      return ModelFiles.resolve(getOrDefault(model), (Long) getOrDefault(seed), "the model param");
    } catch (IOException e) {
      throw new UncheckedIOException("reading the model param's file " + getOrDefault(model) + ": " + e.getMessage(),
          e);
    }
  }

  public TrainingConfig trainingConfig() {
    UpdateRule rule = UpdateRule.named(getOrDefault(optimizer), "optimizer param");
    OptimizerSpec spec = new OptimizerSpec(rule, (float) (double) (Double) getOrDefault(learningRate),
        new LearningRateSchedule.Constant(), 0f, 0f);
    return new TrainingConfig((Integer) getOrDefault(epochs), (Integer) getOrDefault(batchSize),
        (Long) getOrDefault(seed), spec);
  }

  /**
   * The plan for an application with {@code slots} task slots, shard i on task i. "auto" asks the
   * {@link Planner} with this machine's measured profile (cached as for {@code partita plan}), one
   * node per slot — sharing this machine's cores when the master is local; explicit plans are
   * taken as written, their stage boundaries balanced with the same profile.
   */
  public PartitionPlan partitionPlan(ModelSpec spec, int slots, boolean localMaster) {
    String text = getOrDefault(plan);
    int batch = (Integer) getOrDefault(batchSize);
    int replicaParam = (Integer) getOrDefault(replicas);
    MachineProfile[] profile = new MachineProfile[1];
    java.util.function.Supplier<MachineProfile> machine = () -> {
      if (profile[0] == null) {
        try {
          profile[0] = MachineProfiles.cachedOrMeasured(null, false, line -> LOG.info("partita: {}", line));
        } catch (IOException e) {
          throw new UncheckedIOException("reading this machine's profile: " + e.getMessage(), e);
        }
      }
      return profile[0];
    };
    // Only plans that need predictions read (or measure) the machine profile.
    java.util.function.IntSupplier cores = () -> localMaster ? Math.max(1, machine.get().threads() / slots)
        : machine.get().threads();
    // A local master runs every task, so every node, in this JVM: they hand messages over in-process.
    Link link = localMaster ? Link.SAME_PROCESS : Link.parse("1gbit", 50e-6);
    if (PlanShape.isPlannerChoice(text)) {
      List<NodeSpec> nodes = IntStream.range(0, slots)
          .mapToObj(task -> new NodeSpec(TrainingJob.node(task), cores.getAsInt(),
              Runtime.getRuntime().maxMemory() / slots))
          .toList();
      Planner.Request request = new Planner.Request(spec, new ClusterSpec(nodes, link), batch,
          trainingConfig().optimizer(), replicaParam > 0 ? replicaParam : Integer.MAX_VALUE);
      PartitionPlan chosen = new Planner(new CostModel(machine.get().scaledTo(cores.getAsInt()), link))
          .plan(PlanShape.isModelParallel(text) ? request.modelParallel() : request).chosen().plan();
      return onTasks(chosen);
    }
    PlanShape shape = PlanShape.parse(text, "plan param");
    if (replicaParam > 0) {
      shape = new PlanShape(replicaParam, shape.stages(), shape.slices(), shape.microBatches(), shape.schedule());
    }
    List<String> tasks = IntStream.range(0, shape.shards()).mapToObj(TrainingJob::node).toList();
    return shape.toPlan(spec, batch, tasks,
        stages -> new Planner(new CostModel(machine.get().scaledTo(cores.getAsInt()), link)).balancedCuts(spec, stages),
        text,
        "plan param");
  }

  /** The same plan with shard i (in {@link PartitionPlan#shards()} order) on task i. */
  private static PartitionPlan onTasks(PartitionPlan plan) {
    java.util.Map<org.partita.partitioner.ShardId, String> placement = new java.util.LinkedHashMap<>();
    List<org.partita.partitioner.ShardId> shards = plan.shards();
    for (int i = 0; i < shards.size(); i++) {
      placement.put(shards.get(i), TrainingJob.node(i));
    }
    return new PartitionPlan(plan.replicas(), plan.stages(), plan.microBatches(), plan.schedule(), plan.globalBatch(),
        placement);
  }

  @Override
  public StructType transformSchema(StructType schema) {
    RowDecoder.checkSchema(schema, getOrDefault(featuresCol), getOrDefault(labelCol));
    return new PartitaClassificationModel(uid, new byte[0]).transformSchemaUnchecked(schema);
  }

  @Override
  public PartitaClassificationModel fit(Dataset<?> dataset) {
    transformSchema(dataset.schema());
    ModelSpec spec = modelSpec();
    TrainingConfig config = trainingConfig();
    org.apache.spark.SparkContext context = dataset.sparkSession().sparkContext();
    PartitionPlan partitionPlan = partitionPlan(spec, context.defaultParallelism(), context.isLocal());
    LOG.info("partita: training {} on {}", spec.name(), partitionPlan.describe());
    if (!context.isLocal() && !isDefined(tlsDir)) {
      throw new IllegalArgumentException("master " + context.master() + " runs tasks on other machines, whose nodes"
          + " talk mutual TLS: make certificates with 'partita certs --out DIR --nodes 0 --names task-0,…,task-"
          + (partitionPlan.shards().size() - 1) + "', put DIR on every executor and set tlsDir");
    }
    BarrierTraining.checkSlots(dataset.sparkSession().sparkContext(), partitionPlan.shards().size(), partitionPlan);
    // Decoded once and kept: counting, numbering and placing the rows each pass over them.
    JavaRDD<KeptSample> samples = RowDecoder.decode(dataset, getOrDefault(featuresCol), getOrDefault(labelCol), spec)
        .persist(StorageLevel.MEMORY_ONLY());
    TrainingOutcomeProto outcome;
    try {
      long decodeStart = System.nanoTime();
      long count = samples.count();
      LOG.info("partita: {} rows decoded in {} s", count, String.format(Locale.ROOT, "%.1f",
          (System.nanoTime() - decodeStart) / 1e9));
      if (count == 0) {
        throw new IllegalArgumentException("the DataFrame has no rows to train on");
      }
      if (count > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("the DataFrame has " + count + " rows; at most " + Integer.MAX_VALUE
            + " are supported");
      }
      String failAt = dataset.sparkSession().sparkContext().getLocalProperty("spark.partita.failAtStep");
      TrainingJob job = TrainingJob.of(spec, partitionPlan, config, (int) count,
          isDefined(checkpointDir) ? getOrDefault(checkpointDir) : null, (Integer) getOrDefault(checkpointInterval),
          2, Duration.ofSeconds((Integer) getOrDefault(stepTimeoutSeconds)), failAt == null ? -1
              : Integer.parseInt(failAt), context.isLocal(), isDefined(tlsDir) ? getOrDefault(tlsDir) : null);
      outcome = BarrierTraining.run(samples, job);
    } catch (Exception e) {
      throw SparkErrors.unwrap(e);
    } finally {
      samples.unpersist(false);
    }
    PartitaClassificationModel trained = new PartitaClassificationModel(uid, outcome.toByteArray());
    trained.set(trained.featuresCol, getOrDefault(featuresCol));
    return trained.setParent(this);
  }

  @Override
  public PartitaClassifier copy(ParamMap extra) {
    return copyValues(new PartitaClassifier(uid), extra);
  }

  @Override
  public MLWriter write() {
    PartitaClassifier estimator = this;
    return new MLWriter() {
      @Override
      public void saveImpl(String path) {
        StageFiles.saveMetadata(estimator, path, sparkSession());
      }
    };
  }

  public static MLReader<PartitaClassifier> read() {
    return new MLReader<>() {
      @Override
      public PartitaClassifier load(String path) {
        JsonNode metadata = StageFiles.readMetadata(path, sparkSession(), PartitaClassifier.class);
        PartitaClassifier estimator = new PartitaClassifier(metadata.path("uid").asText());
        for (Map.Entry<Param<Object>, Object> saved : StageFiles.savedParams(estimator, metadata, path).entrySet()) {
          estimator.set(saved.getKey(), saved.getValue());
        }
        return estimator;
      }
    };
  }

  public static PartitaClassifier load(String path) {
    return read().load(path);
  }
}
