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

# Runs a main class from a module built by partita_build, on the module's jar plus the runtime
# classpath Maven wrote next to it. GC defaults (PARTITA_JAVA_OPTS comes later and wins): with G1's
# default 2–4 MiB regions every 2 MiB activation message is a humongous allocation that starts a
# collection, and a collection waits for every BLAS call in a JNI critical section to finish, so
# one node's GC stalled the other node's step. 32 MiB regions and a laxer pause goal made the
# 2-slice wide MLP step 1.0–1.06x → 1.2–1.3x the reference (docs/BENCHMARKS.md).
# Spark 4 on Java 17 needs these packages opened (spark-parent's extraJavaTestArgs); harmless otherwise.
PARTITA_SPARK_OPENS=""
for package in java.lang java.lang.invoke java.lang.reflect java.io java.net java.nio java.util \
    java.util.concurrent java.util.concurrent.atomic jdk.internal.ref sun.nio.ch sun.nio.cs \
    sun.security.action sun.util.calendar; do
  PARTITA_SPARK_OPENS="$PARTITA_SPARK_OPENS --add-opens=java.base/$package=ALL-UNNAMED"
done

if [ -n "${PARTITA_GC_OPTS:-}" ]; then PARTITA_GC_OPTS_SET=1; fi
PARTITA_GC_OPTS="${PARTITA_GC_OPTS:--XX:+UseG1GC -XX:G1HeapRegionSize=32m -XX:MaxGCPauseMillis=500}"
partita_java() {
  local module="$1" main_class="$2"
  shift 2
  local target="$PARTITA_ROOT/$module/target"
  local jar
  jar="$(ls "$target"/partita-"$module"-*.jar 2>/dev/null | grep -v -- '-tests.jar' | head -n1 || true)"
  if [ -z "$jar" ] || [ ! -f "$target/classpath.txt" ]; then
    echo "run: $module is not built ($target has no jar or classpath.txt)" >&2
    return 1
  fi
  java ${PARTITA_GC_OPTS} ${PARTITA_JAVA_OPTS:-} -cp "$jar:$(cat "$target/classpath.txt")" "$main_class" "$@"
}
