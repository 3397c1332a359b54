# Shared by the deploy/bin scripts: locate the repository, build modules, run a main class.
# Sourced, not executed.

PARTITA_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# Builds the given modules and what they depend on, without tests, with the Maven profiles named
# in the optional second argument (comma-separated, e.g. bench's dl4j). The first build on a fresh
# machine downloads about 420 MB of jars, so say so rather than sit silent.
partita_build() {
  local modules="$1" profiles="${2:-}"
  if [ ! -d "$HOME/.m2/repository/org/apache/spark" ]; then
    echo "build: first build on this machine — Maven downloads ~420 MB of dependencies (about a minute)"
  fi
  echo "build: mvn package -pl $modules -am${profiles:+ -P $profiles} (tests skipped)"
  (cd "$PARTITA_ROOT" && mvn -B -q -ntp -DskipTests ${profiles:+-P "$profiles"} -pl "$modules" -am package)
}

# Prints MODULE's jar, or nothing when it is not built.
partita_jar() {
  ls "$PARTITA_ROOT/$1"/target/partita-"$1"-*.jar 2>/dev/null | grep -v -- '-tests.jar' | head -n1 || true
}

# True when MODULE's jar is missing or older than any main source or pom in the repository: what
# deploy/bin/partita checks before it runs, so an edit is never run stale.
partita_stale() {
  local jar
  jar="$(partita_jar "$1")"
  [ -z "$jar" ] || [ ! -f "$PARTITA_ROOT/$1/target/classpath.txt" ] \
    || [ -n "$(find "$PARTITA_ROOT" -path '*/src/main/*' -newer "$jar" -print -quit 2>/dev/null)" ] \
    || [ -n "$(find "$PARTITA_ROOT" -name pom.xml -newer "$jar" -print -quit 2>/dev/null)" ]
}

# Prints the class path of a module built by partita_build: its jar, then the runtime classpath
# Maven wrote next to it.
partita_classpath() {
  local target="$PARTITA_ROOT/$1/target"
  local jar
  jar="$(partita_jar "$1")"
  if [ -z "$jar" ] || [ ! -f "$target/classpath.txt" ]; then
    echo "run: $1 is not built ($target has no jar or classpath.txt)" >&2
    return 1
  fi
  echo "$jar:$(cat "$target/classpath.txt")"
}

# Runs a main class from a module built by partita_build, on the module's jar plus the runtime
# classpath Maven wrote next to it. GC defaults (PARTITA_JAVA_OPTS comes later and wins): with G1's
# default 2–4 MiB regions every 2 MiB activation message is a humongous allocation that starts a
# collection, and a collection waits for every BLAS call in a JNI critical section to finish, so
# one node's GC stalled the other node's step. 32 MiB regions and a laxer pause goal made the
# 2-slice wide MLP step 1.0–1.06x → 1.2–1.3x the reference (docs/BENCHMARKS.md).
# AlwaysPreTouch: the heap's pages are touched when it is committed (at start and when it grows,
# inside a collection) instead of on first use. Without it a shard's messages, fresh arrays of
# hundreds of KiB each, kept landing in eden regions never used before while the heap grew, and
# every first touch of a page was a page fault on the computing thread: 2 CNN replicas stepped in
# one thread took 1.15–1.24x the CPU of two reference trainers for minutes at a time, and 1.02–1.06x
# with it (docs/BENCHMARKS.md, 2026-12-04).
# Spark 4 on Java 17 needs these packages opened (spark-parent's extraJavaTestArgs); harmless otherwise.
PARTITA_SPARK_OPENS=""
for package in java.lang java.lang.invoke java.lang.reflect java.io java.net java.nio java.util \
    java.util.concurrent java.util.concurrent.atomic jdk.internal.ref sun.nio.ch sun.nio.cs \
    sun.security.action sun.util.calendar; do
  PARTITA_SPARK_OPENS="$PARTITA_SPARK_OPENS --add-opens=java.base/$package=ALL-UNNAMED"
done

if [ -n "${PARTITA_GC_OPTS:-}" ]; then PARTITA_GC_OPTS_SET=1; fi
PARTITA_GC_OPTS="${PARTITA_GC_OPTS:--XX:+UseG1GC -XX:G1HeapRegionSize=32m -XX:MaxGCPauseMillis=500 -XX:+AlwaysPreTouch}"
partita_java() {
  local module="$1" main_class="$2"
  shift 2
  local classpath
  classpath="$(partita_classpath "$module")" || return 1
  java ${PARTITA_GC_OPTS} ${PARTITA_JAVA_OPTS:-} -cp "$classpath" "$main_class" "$@"
}

# Prints the GC options for a worker node with heap HEAP (e.g. 768m, 2g). 32 MiB G1 regions suit
# large heaps; in a small one every 16 MiB weight slice would take a whole region, wasting half of
# it. Heaps from 512 MiB to 1 GiB get 8 MiB regions — not G1's own 1 MiB for such a heap, with which
# every all-reduce piece and activation over 512 KiB is a humongous allocation that starts a
# concurrent cycle: 2 CNN replicas in 768 MiB worker JVMs (bench/bin/netsim, 10gbit) took 73.7
# and 81.9 ms per step with 1 MiB regions, 66.8 ms with 8 MiB. Heaps under 512 MiB keep G1's
# own size: 8 MiB regions leave a 300 MiB heap only 38 of them, too few to find contiguous free
# ones for its weight slices and state chunks — BigModelTest's four 300 MiB workers ran 550–676
# full collections each in one 2-step run and one died of OutOfMemoryError; with 1 MiB, none.
# PARTITA_GC_OPTS, when set, wins.
partita_node_gc_opts() {
  if [ -n "${PARTITA_GC_OPTS_SET:-}" ] || ! [[ "$1" =~ ^([0-9]+)[mM]$ ]] || [ "${BASH_REMATCH[1]}" -ge 1024 ]; then
    echo "$PARTITA_GC_OPTS"
  elif [ "${BASH_REMATCH[1]}" -ge 512 ]; then
    echo "-XX:+UseG1GC -XX:G1HeapRegionSize=8m -XX:MaxGCPauseMillis=500 -XX:+AlwaysPreTouch"
  else
    echo "-XX:+UseG1GC -XX:MaxGCPauseMillis=500 -XX:+AlwaysPreTouch"
  fi
}
