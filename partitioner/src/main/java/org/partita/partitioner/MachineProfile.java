package org.partita.partitioner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.partita.models.data.DataFormatException;
import org.partita.models.io.CheckpointFiles;
import org.partita.models.io.SpecProtos;
import org.partita.proto.FormatVersionProto;
import org.partita.proto.GemmSampleProto;
import org.partita.proto.MachineProfileProto;

/**
 * Measured constants of one kind of machine (see {@link MachineProbe}): GEMM speed by shape class,
 * and the cost of the data-movement and transcendental work around the GEMMs, measured with
 * {@code threads} threads; and, when that is more than one, the same constants measured on one
 * thread ({@code oneThread}, null if not measured). Saved as a protobuf file so planning on many
 * nodes reuses one measurement.
 */
public record MachineProfile(String cpu, int cores, int threads, String blas, List<GemmSample> gemm,
    double nsPerFloat, double nsPerPooled, double nsPerTranscendental, double nsPerCall, UpdateCost update,
    long measuredUnixMillis, MachineProfile oneThread) {

  /** GFLOP/s of GEMMs whose smallest dimension is minDim and other two have geometric mean otherDim. */
  public record GemmSample(int minDim, int otherDim, double gflops) {}

  /** Nanoseconds per parameter of one optimizer update, by rule. */
  public record UpdateCost(double sgd, double momentum, double adam) {
    public double of(org.partita.models.optim.UpdateRule rule) {
      return switch (rule.slots()) {
        case 0 -> sgd;
        case 1 -> momentum;
        default -> adam;
      };
    }
  }

  public MachineProfile {
    if (gemm == null || gemm.isEmpty()) {
      throw new IllegalArgumentException("a machine profile needs GEMM samples");
    }
    gemm = List.copyOf(gemm);
    if (oneThread != null && (oneThread.threads() != 1 || oneThread.oneThread() != null)) {
      throw new IllegalArgumentException("a machine profile's one-thread part must be measured on one thread, got "
          + oneThread.threads());
    }
  }

  /** This profile with {@code measured} as its one-thread part. */
  public MachineProfile withOneThread(MachineProfile measured) {
    return new MachineProfile(cpu, cores, threads, blas, gemm, nsPerFloat, nsPerPooled, nsPerTranscendental,
        nsPerCall, update, measuredUnixMillis, measured);
  }

  /**
   * Whether this profile of a machine with several cores holds one measurement only, so that
   * other thread counts are priced by scaling its rates: wrong by up to 2x on small GEMMs, which
   * OpenBLAS does not spread well over threads, and on fixed per-call costs, which waking
   * threads makes larger.
   */
  public boolean lacksOneThreadPart() {
    return cores > 1 && oneThread == null;
  }

  /**
   * Predicted GFLOP/s for a GEMM shape: bilinear interpolation in log space over the probed grid
   * of (smallest dimension, other dimensions), clamped at its edges.
   */
  public double gflops(GemmShape shape) {
    List<Integer> minDims = gemm.stream().map(GemmSample::minDim).distinct().sorted().toList();
    List<Integer> otherDims = gemm.stream().map(GemmSample::otherDim).distinct().sorted().toList();
    double d = Math.log(shape.minDimension());
    double o = Math.log(shape.otherDimension());
    int[] di = bracket(minDims, d);
    int[] oi = bracket(otherDims, o);
    double dt = fraction(minDims, di, d);
    double ot = fraction(otherDims, oi, o);
    double low = lerp(rate(minDims.get(di[0]), otherDims.get(oi[0])), rate(minDims.get(di[0]), otherDims.get(oi[1])), ot);
    double high = lerp(rate(minDims.get(di[1]), otherDims.get(oi[0])), rate(minDims.get(di[1]), otherDims.get(oi[1])), ot);
    return lerp(low, high, dt);
  }

  /** Seconds of the GEMMs' arithmetic alone. */
  public double gemmSeconds(List<GemmShape> shapes) {
    double seconds = 0;
    for (GemmShape shape : shapes) {
      seconds += shape.flops() / (gflops(shape) * 1e9);
    }
    return seconds;
  }

  public double seconds(LayerWork work) {
    // Profiles saved before pooling had its own constant price it as data movement.
    double pooled = nsPerPooled > 0 ? nsPerPooled : nsPerFloat;
    return gemmSeconds(work.gemms()) + work.floatsMoved() * nsPerFloat * 1e-9 + work.pooled() * pooled * 1e-9
        + work.transcendentals() * nsPerTranscendental * 1e-9 + work.calls() * nsPerCall * 1e-9;
  }

  private double rate(int minDim, int otherDim) {
    return gemm.stream().filter(s -> s.minDim() == minDim && s.otherDim() == otherDim).findFirst()
        .orElseThrow(() -> new IllegalStateException("GEMM grid lacks " + minDim + "×" + otherDim)).gflops();
  }

  private static int[] bracket(List<Integer> grid, double logValue) {
    for (int i = 0; i + 1 < grid.size(); i++) {
      if (logValue <= Math.log(grid.get(i + 1))) {
        return new int[] {i, i + 1};
      }
    }
    return grid.size() == 1 ? new int[] {0, 0} : new int[] {grid.size() - 2, grid.size() - 1};
  }

  private static double fraction(List<Integer> grid, int[] bracket, double logValue) {
    if (bracket[0] == bracket[1]) {
      return 0;
    }
    double low = Math.log(grid.get(bracket[0]));
    double high = Math.log(grid.get(bracket[1]));
    return Math.max(0, Math.min(1, (logValue - low) / (high - low)));
  }

  private static double lerp(double a, double b, double t) {
    return a + (b - a) * t;
  }

  /**
   * This profile for a node with {@code nodeCores} cores, assuming throughput scales with cores
   * (GEMMs and the parallel loops both split across them); fixed per-call costs do not scale.
   */
  public MachineProfile scaledTo(int nodeCores) {
    return scaledToShare(nodeCores);
  }

  /**
   * {@link #scaledTo} for a node that gets a share of the cores that need not be whole: 3 nodes
   * of one thread each on 2 cores get 2/3 of a core each while all compute. Counted as
   * max(1, round(share)) cores where a whole number is wanted. With a one-thread part, a share of
   * one core or less is priced from it, a share between one core and {@code threads} by
   * interpolating the rates between the two measurements, and more than {@code threads} by
   * scaling the all-thread rates; without one, every share scales the all-thread rates.
   */
  public MachineProfile scaledToShare(double nodeCores) {
    if (!(nodeCores > 0)) {
      throw new IllegalArgumentException("a node's share of the cores must be positive, got " + nodeCores);
    }
    int whole = (int) Math.max(1, Math.round(nodeCores));
    if (oneThread == null || nodeCores >= threads) {
      return scaledBy(nodeCores / threads, whole);
    }
    if (nodeCores <= 1) {
      return oneThread.scaledBy(nodeCores, whole);
    }
    return oneThread.towards(this, (nodeCores - 1) / (threads - 1), whole);
  }

  /**
   * {@link #scaledToShare} for a node on a host where {@code busyCores} of its cores compute at
   * once, the node's own included. Cores that compute together share the memory bandwidth and
   * caches, so each runs slower than one computing alone: for a share of one core or less, the
   * one-thread rates are slowed towards the all-thread rates per thread ({@link #underLoad}),
   * fully once all {@code threads} measured cores are busy. Above one core, {@link #scaledToShare}
   * already moves to the all-thread rates.
   */
  public MachineProfile scaledToShare(double nodeCores, double busyCores) {
    if (oneThread == null || threads <= 1 || nodeCores > 1 || busyCores <= 1) {
      return scaledToShare(nodeCores);
    }
    double loaded = Math.min(1, (busyCores - 1) / (threads - 1));
    return oneThread.underLoad(this, loaded).scaledBy(nodeCores, 1);
  }

  /**
   * These one-thread rates slowed a fraction {@code t} of the way to {@code all}'s rates per
   * thread, constant by constant, where those are slower. GEMMs take the factor of the largest
   * measured shape, which spreads evenly over threads (small ones do not, and would count
   * OpenBLAS's poor split as contention). The fixed cost per call stays: a one-thread node wakes
   * no other threads.
   */
  private MachineProfile underLoad(MachineProfile all, double t) {
    GemmSample largest = all.gemm.stream().max(Comparator.comparingInt(GemmSample::minDim)
        .thenComparingInt(GemmSample::otherDim)).orElseThrow();
    double gemmFactor = slowdown(rate(largest.minDim(), largest.otherDim()), largest.gflops() / all.threads, t);
    List<GemmSample> rates = gemm.stream().map(s -> new GemmSample(s.minDim(), s.otherDim(), s.gflops() * gemmFactor))
        .toList();
    return new MachineProfile(cpu, 1, 1, blas, rates, loadedNs(nsPerFloat, all.nsPerFloat * all.threads, t),
        loadedNs(nsPerPooled, all.nsPerPooled * all.threads, t),
        loadedNs(nsPerTranscendental, all.nsPerTranscendental * all.threads, t), nsPerCall,
        new UpdateCost(loadedNs(update.sgd(), all.update.sgd() * all.threads, t),
            loadedNs(update.momentum(), all.update.momentum() * all.threads, t),
            loadedNs(update.adam(), all.update.adam() * all.threads, t)), measuredUnixMillis, null);
  }

  /** The factor (at most 1) a throughput alone takes a fraction t of the way to a loaded one. */
  private static double slowdown(double alone, double loaded, double t) {
    return 1 - t * (1 - Math.min(1, loaded / alone));
  }

  /** {@link #slowdown} for a cost in nanoseconds per unit; an unmeasured (zero) cost stays zero. */
  private static double loadedNs(double aloneNs, double loadedNs, double t) {
    return aloneNs > 0 && loadedNs > 0 ? aloneNs / slowdown(1 / aloneNs, 1 / loadedNs, t) : aloneNs;
  }

  /** Every throughput times {@code factor}; the fixed per-call cost unchanged. */
  private MachineProfile scaledBy(double factor, int whole) {
    if (factor == 1.0 && whole == cores) {
      return this;
    }
    List<GemmSample> scaled = gemm.stream().map(s -> new GemmSample(s.minDim(), s.otherDim(), s.gflops() * factor))
        .toList();
    return new MachineProfile(cpu, whole, whole, blas, scaled, nsPerFloat / factor, nsPerPooled / factor,
        nsPerTranscendental / factor, nsPerCall, new UpdateCost(update.sgd() / factor, update.momentum() / factor,
        update.adam() / factor), measuredUnixMillis, null);
  }

  /** Rates a fraction t of the way from this profile's to {@code other}'s (throughputs, not times, interpolated). */
  private MachineProfile towards(MachineProfile other, double t, int whole) {
    List<GemmSample> rates = gemm.stream().map(s -> new GemmSample(s.minDim(), s.otherDim(),
        lerp(s.gflops(), other.rate(s.minDim(), s.otherDim()), t))).toList();
    return new MachineProfile(cpu, whole, whole, blas, rates, perUnit(nsPerFloat, other.nsPerFloat, t),
        perUnit(nsPerPooled, other.nsPerPooled, t), perUnit(nsPerTranscendental, other.nsPerTranscendental, t),
        lerp(nsPerCall, other.nsPerCall, t), new UpdateCost(perUnit(update.sgd(), other.update.sgd(), t),
            perUnit(update.momentum(), other.update.momentum(), t), perUnit(update.adam(), other.update.adam(), t)),
        measuredUnixMillis, null);
  }

  /** Nanoseconds per unit whose throughput is interpolated between two measurements. */
  private static double perUnit(double ns, double otherNs, double t) {
    return ns > 0 && otherNs > 0 ? 1 / lerp(1 / ns, 1 / otherNs, t) : lerp(ns, otherNs, t);
  }

  public MachineProfileProto toProto() {
    MachineProfileProto.Builder builder = MachineProfileProto.newBuilder()
        .setFormatVersion(FormatVersionProto.FORMAT_VERSION_CURRENT_VALUE).setCpu(cpu).setCores(cores)
        .setThreads(threads).setBlas(blas).setNsPerFloat(nsPerFloat).setNsPerPooledElement(nsPerPooled)
        .setNsPerTranscendental(nsPerTranscendental)
        .setNsPerCall(nsPerCall).setMeasuredUnixMillis(measuredUnixMillis)
        .setNsPerSgdUpdate(update.sgd()).setNsPerMomentumUpdate(update.momentum()).setNsPerAdamUpdate(update.adam());
    if (oneThread != null) {
      builder.setOneThread(oneThread.toProto());
    }
    for (GemmSample sample : gemm) {
      builder.addGemm(GemmSampleProto.newBuilder().setMinDim(sample.minDim()).setOtherDim(sample.otherDim())
          .setGflops(sample.gflops()));
    }
    return builder.build();
  }

  public static MachineProfile fromProto(MachineProfileProto proto) {
    return new MachineProfile(proto.getCpu(), proto.getCores(), proto.getThreads(), proto.getBlas(),
        proto.getGemmList().stream().map(g -> new GemmSample(g.getMinDim(), g.getOtherDim(), g.getGflops())).toList(),
        proto.getNsPerFloat(), proto.getNsPerPooledElement(), proto.getNsPerTranscendental(), proto.getNsPerCall(),
        new UpdateCost(proto.getNsPerSgdUpdate(), proto.getNsPerMomentumUpdate(), proto.getNsPerAdamUpdate()),
        proto.getMeasuredUnixMillis(), proto.hasOneThread() ? fromProto(proto.getOneThread()) : null);
  }

  public void save(Path file) throws IOException {
    CheckpointFiles.writeAtomically(file, toProto().toByteArray());
  }

  public static MachineProfile load(Path file) throws IOException {
    MachineProfileProto proto;
    try {
      proto = MachineProfileProto.parseFrom(Files.readAllBytes(file));
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new DataFormatException(file, "is not a machine profile (" + e.getMessage() + ")", e);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new DataFormatException(file, "machine profile not found", e);
    }
    try {
      SpecProtos.checkVersion(proto.getFormatVersion(), "machine profile");
      return fromProto(proto);
    } catch (IllegalArgumentException e) {
      throw new DataFormatException(file, e.getMessage(), e);
    }
  }

  public String describe() {
    String all = String.format(Locale.ROOT, "%s, %d cores, %s, %d thread(s): %s", cpu, cores, blas, threads, rates());
    return oneThread == null ? all : all + "; 1 thread: " + oneThread.rates();
  }

  private String rates() {
    double peak = gemm.stream().mapToDouble(GemmSample::gflops).max().orElse(0);
    return String.format(Locale.ROOT, "GEMM up to %.0f GFLOP/s, %.2f ns/float moved, %.2f ns/pooled element, "
        + "%.1f ns/exp, %.1f µs/call, Adam %.2f ns/parameter", peak, nsPerFloat, nsPerPooled, nsPerTranscendental,
        nsPerCall / 1e3, update.adam());
  }
}
