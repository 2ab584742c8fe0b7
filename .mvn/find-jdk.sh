# Sourced by ./mvnw and ./lopper: sets LOPPER_JAVA_HOME to a JDK >= 25, or prints one line and exits 1.
# Order: $JAVA_HOME if it is >= 25, else the newest >= 25 under /usr/lib/jvm (and /usr/local/lib/jvm, ~/.sdkman,
# ~/.jdks), else the java on PATH if it is >= 25.
lopper_jdk_major() { # $1 = a JDK home; prints its feature version, or nothing
  local home=$1 v=""
  [ -x "$home/bin/java" ] && [ -x "$home/bin/javac" ] || return 0
  if [ -f "$home/release" ]; then
    v=$(sed -n 's/^JAVA_VERSION="\([0-9][0-9]*\).*/\1/p' "$home/release" | head -n 1)
  fi
  if [ -z "$v" ]; then
    v=$("$home/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9][0-9]*\).*/\1/p' | head -n 1)
  fi
  echo "$v"
}

lopper_find_jdk() {
  local need=25 best="" best_v=0 cand v
  if [ -n "${JAVA_HOME:-}" ]; then
    v=$(lopper_jdk_major "$JAVA_HOME")
    if [ -n "$v" ] && [ "$v" -ge "$need" ]; then LOPPER_JAVA_HOME=$JAVA_HOME; return 0; fi
  fi
  for cand in /usr/lib/jvm/* /usr/local/lib/jvm/* "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/*; do
    [ -d "$cand" ] || continue
    v=$(lopper_jdk_major "$cand")
    if [ -n "$v" ] && [ "$v" -ge "$need" ] && [ "$v" -gt "$best_v" ]; then best=$cand; best_v=$v; fi
  done
  if [ -z "$best" ] && command -v java >/dev/null 2>&1; then
    cand=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
    v=$(lopper_jdk_major "$cand")
    if [ -n "$v" ] && [ "$v" -ge "$need" ]; then best=$cand; fi
  fi
  if [ -z "$best" ]; then
    echo "lopper: no JDK $need or newer found (checked JAVA_HOME, /usr/lib/jvm, PATH); install one, e.g. 'apt-get install openjdk-$need-jdk' or Temurin $need, or set JAVA_HOME" >&2
    exit 1
  fi
  LOPPER_JAVA_HOME=$best
}
lopper_find_jdk
