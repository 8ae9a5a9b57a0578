# Shared helpers for the scripts: finds a JDK 21+ and checks Node, so the commands work on a fresh
# Debian machine whose default java is older.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

java_major() {
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -n1
}

pick_java() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] && [ "$(java_major "$JAVA_HOME/bin/java")" -ge 21 ]; then
    return
  fi
  if command -v java >/dev/null && [ "$(java_major "$(command -v java)")" -ge 21 ]; then
    JAVA_HOME="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
    export JAVA_HOME
    return
  fi
  local best="" best_v=0 candidate v
  for candidate in /usr/lib/jvm/*/bin/java; do
    [ -x "$candidate" ] || continue
    v="$(java_major "$candidate")"
    if [ -n "$v" ] && [ "$v" -ge 21 ] && [ "$v" -gt "$best_v" ]; then best="$candidate"; best_v="$v"; fi
  done
  if [ -z "$best" ]; then
    echo "error: a JDK 21 or newer is needed (none in JAVA_HOME, on PATH or under /usr/lib/jvm)" >&2
    exit 1
  fi
  JAVA_HOME="$(dirname "$(dirname "$best")")"
  export JAVA_HOME
}

need_node() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "error: Node.js 20+ and npm are needed (local chains and the official x402 clients run on them)" >&2
    exit 1
  fi
}

pick_java
export PATH="$JAVA_HOME/bin:$PATH"
cd "$ROOT"
