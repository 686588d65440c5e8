# shellcheck shell=bash
# Helpers sourced by ./asterism, ./test and .ci/run: find a JDK 21+ and Maven, or say how
# to install them.

ASTERISM_MIN_JAVA=21

# Prints the feature version (8, 17, 21, 25, ...) of the JDK at $1; fails if $1 is not a JDK.
jdk_major() {
  local home=$1 output line version
  [[ -x $home/bin/java && -x $home/bin/javac ]] || return 1
  # The whole output, not a pipe into head: with pipefail, java dying of SIGPIPE would fail.
  output=$("$home/bin/java" -version 2>&1) || return 1
  while IFS= read -r line; do
    # Skips noise such as "Picked up JAVA_TOOL_OPTIONS: ..." before the version line.
    if [[ $line =~ version\ \"([^\"]+)\" ]]; then
      version=${BASH_REMATCH[1]}
      version=${version#1.}   # 1.8.0_402 -> 8.0_402
      version=${version%%[._+-]*}
      [[ $version =~ ^[0-9]+$ ]] || return 1
      echo "$version"
      return 0
    fi
  done <<<"$output"
  return 1
}

# Sets and exports JAVA_HOME to a JDK 21 or newer: $JAVA_HOME if it is one, otherwise the
# newest under /usr/lib/jvm (or the one whose javac is on the PATH). Exits 1 with an install
# hint when there is none.
find_jdk() {
  local found=() seen=" " candidate real major best="" best_major=0 javac_path
  if [[ -n ${JAVA_HOME:-} ]]; then
    if major=$(jdk_major "$JAVA_HOME"); then
      if ((major >= ASTERISM_MIN_JAVA)); then
        export JAVA_HOME
        return 0
      fi
      found+=("JAVA_HOME=$JAVA_HOME ($major)")
    else
      found+=("JAVA_HOME=$JAVA_HOME (not a JDK)")
    fi
    seen+="$(readlink -f "$JAVA_HOME" || true) "
  fi
  local candidates=(/usr/lib/jvm/*/)
  if javac_path=$(command -v javac 2>/dev/null); then
    javac_path=$(readlink -f "$javac_path")
    candidates+=("${javac_path%/bin/javac}")
  fi
  for candidate in "${candidates[@]}"; do
    [[ -d $candidate ]] || continue
    real=$(readlink -f "$candidate")
    [[ $seen == *" $real "* ]] && continue
    seen+="$real "
    major=$(jdk_major "$real") || continue
    found+=("$real ($major)")
    if ((major >= ASTERISM_MIN_JAVA && major > best_major)); then
      best=$real
      best_major=$major
    fi
  done
  if [[ -z $best ]]; then
    local list="none"
    if ((${#found[@]} > 0)); then
      list=$(printf '%s, ' "${found[@]}")
      list=${list%, }
    fi
    echo "Asterism needs a JDK $ASTERISM_MIN_JAVA or newer (found: $list). Install one, e.g." \
      "apt-get install openjdk-21-jdk or a Temurin 21+, or set JAVA_HOME." >&2
    exit 1
  fi
  export JAVA_HOME=$best
}

# Exits 1 with an install hint when Maven is not on the PATH.
require_maven() {
  if ! command -v mvn >/dev/null 2>&1; then
    echo "Asterism builds with Maven, which is not installed: run \`apt-get install -y maven\`" \
      "(or put a Maven 3.8+ on the PATH)." >&2
    exit 1
  fi
}
