#!/usr/bin/env bash
# Installs @tensorflow/tfjs-node (the `tensorflow` backend of the test suite) from package
# registries only: npm for the package, PyPI for the TensorFlow shared libraries. Run it from the
# project root after `npm ci`:
#
#     bash scripts/install-tfjs-node.sh
#
# Why a script: tfjs-node's own install step downloads libtensorflow 2.9.1 and a prebuilt addon
# from a host outside the registries, which fails on machines that reach only the registries.
# PyPI's tensorflow-cpu wheel carries the same C and eager C API in libtensorflow_cc.so.2, next
# to libtensorflow_framework.so.2 and the C headers, so this script:
#
#   1. preflight  checks the tools (node, npm, python3 -m pip, unzip, nm, g++, make) and Node's
#                 own headers (node-gyp must not download them), and that `npm ci` has run.
#   2. fast path  if a previous run finished (a marker names both versions) and the check of
#                 step 9 passes, stops here: a second run takes a couple of seconds.
#   3. fetch      `npm pack @tensorflow/tfjs-node@V` and `pip download --no-deps` of the
#                 tensorflow-cpu wheel into the cache (~/.cache/tfjs-lstm, or $TFJS_LSTM_CACHE);
#                 both are reused on later runs. TensorFlow is never pip-installed.
#   4. npm deps   removes any previous node_modules/@tensorflow/tfjs-node, then
#                 `npm install --no-save --ignore-scripts` of those of tfjs-node's own
#                 dependencies node_modules lacks (never @tensorflow/tfjs: the project's copy is
#                 used, so one tfjs-core holds all backends); checks package.json and
#                 package-lock.json are byte-for-byte unchanged.
#   5. stage      unzips the two libraries and the C headers of the wheel once per version into
#                 the cache (with the list of their exported TF_*/TFE_* symbols), unpacks the
#                 package into node_modules/.tfjs-node-staging and lays out deps/ as its
#                 binding.gyp and scripts/deps-constants.js want (libraries hard-linked from the
#                 cache, or copied across file systems):
#                   deps/lib/libtensorflow_cc.so.2, libtensorflow_framework.so.2 (from the wheel)
#                   deps/lib/libtensorflow.so, libtensorflow.so.2, libtensorflow.so.2.9.1
#                     -> libtensorflow_cc.so.2        (-ltensorflow; install.js's sentinel)
#                   deps/lib/libtensorflow_framework.so -> libtensorflow_framework.so.2
#                   deps/include/: tensorflow/c/**, the tsl/c status headers, the ctstring headers
#   6. symbols    every TF_*/TFE_* function the binding's C++ source calls (binding/*.cc, *.h,
#                 less its own TF_Auto*/TFE_AutoOp helpers and the header-inline TF_TString_*)
#                 must be in `nm -D --defined-only` of the two libraries.
#   7. build      node-pre-gyp install --build-from-source against the installed Node's headers
#                 (--nodedir, no download), with npm's bundled node-gyp; then checks that every
#                 TF_*/TFE_* symbol the built addon imports is defined by the libraries.
#   8. install    moves the staged package to node_modules/@tensorflow/tfjs-node.
#   9. check      node -e "require('@tensorflow/tfjs-node'); tf.ready(); tf.getBackend()" must
#                 say `tensorflow` and tf.matMul(ones 2x2, ones 2x2) must be [[2,2],[2,2]].
#
# Any failure prints one line, `install-tfjs-node: step '<step>' failed: <why> (log: <file>)`,
# exits 1 and removes node_modules/@tensorflow/tfjs-node and the staging directory, so that
# `require('@tensorflow/tfjs-node')` fails cleanly instead of crashing on a half-built addon
# (the test suite then simply runs without its `tensorflow` project).
#
# Which tensorflow-cpu wheels work with tfjs-node 4.22.0's binding (written for libtensorflow
# 2.9.1), checked on Debian 12 / glibc 2.36 / g++ 12 / Node 20, manylinux2014 x86_64 wheels:
#   2.12.1 (cp311)  works: all 55 TF_*/TFE_* functions the binding calls are exported, it builds,
#                   loads, the check passes. PINNED (the oldest for Python 3.11, nearest to 2.9.1).
#   2.15.1 (cp311)  works too (same 55 symbols exported, builds, check passes).
#   2.18.1 (cp311)  works too (same 55 symbols exported, builds, check passes).
#   2.9.1, 2.11.1 (cp310)  unusable: these wheels have no libtensorflow_cc.so.2; the C API is
#                   only inside python/_pywrap_tensorflow_internal.so, a Python extension module.
#   2.21.0          has no manylinux2014 wheel for cp311 (not tried).
# How: `nm -D --defined-only` on both .so files (symbol names have an @@tensorflow version
# suffix: strip it before comparing), the list of calls grepped from binding/*.cc|*.h, and a full
# build + check with TF_CPU_VERSION=<v>. docs/tfjs-node.md has the details.
#
# Environment:
#   TF_CPU_VERSION     tensorflow-cpu wheel version (default 2.12.1)
#   TF_WHEEL_PYTHON    Python version of the wheel to fetch (default 3.11). The wheel is only
#                      unzipped, so it need not match the local python3.
#   TFJS_NODE_VERSION  tfjs-node version (default: the project's @tensorflow/tfjs version in
#                      package-lock.json, which tfjs-node pins exactly)
#   TFJS_LSTM_CACHE    cache directory (default ${XDG_CACHE_HOME:-~/.cache}/tfjs-lstm)
#   NODEDIR            Node headers prefix (default: the prefix of the `node` on PATH)
#   PYTHON             python with pip, for `pip download` (default python3)
#
# Note: tfjs-node is not in package.json or package-lock.json (it stays an optional peer), so a
# later `npm ci` or `npm install` removes it again: rerun this script (a warm cache makes that
# quick). `npm install --no-save @tensorflow/tfjs-node` itself does not work with npm >= 11.5:
# npm resolves the package, then prunes it because the root lists it as an optional peer
# (npm/cli issues 8464 and 9024), hence `npm pack` + unpack here.

set -Eeuo pipefail

TF_CPU_VERSION="${TF_CPU_VERSION:-2.12.1}"
TF_WHEEL_PYTHON="${TF_WHEEL_PYTHON:-3.11}"
PYTHON="${PYTHON:-python3}"
CACHE="${TFJS_LSTM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tfjs-lstm}"

STEP=preflight
TOUCHED=0 # set once node_modules is being changed: from then on a failure removes tfjs-node
PKG_DIR=node_modules/@tensorflow/tfjs-node
STAGE=node_modules/.tfjs-node-staging
MARKER_NAME=.installed-by-tfjs-lstm
LOG=""

say() { printf '==> [%3ss] %s\n' "$SECONDS" "$*"; }

cleanup_partial() {
  rm -rf "$STAGE"
  if [ "$TOUCHED" = 1 ]; then rm -rf "$PKG_DIR"; fi
  if [ -n "${TMP_X:-}" ]; then rm -rf "$TMP_X"; fi
}

# fail WHY: the one line, then exit (the EXIT trap cleans up).
fail() {
  trap - ERR
  printf 'install-tfjs-node: step %s failed: %s%s\n' "'$STEP'" "$*" "${LOG:+ (log: $LOG)}" >&2
  exit 1
}

# An unexpected command failure: name the step, the command and the last line it logged.
on_err() {
  local rc=$? cmd=$BASH_COMMAND last=""
  if [ "$BASH_SUBSHELL" -gt 0 ]; then exit "$rc"; fi # the parent shell reports it
  if [ -n "$LOG" ] && [ -s "$LOG" ]; then last=$(grep -v '^\s*$' "$LOG" | tail -n 1 | cut -c1-200); fi
  fail "'$cmd' exited $rc${last:+ (last log line: $last)}"
}

on_exit() {
  local rc=$?
  if [ "$rc" != 0 ]; then cleanup_partial; fi
}
trap on_err ERR
trap on_exit EXIT
trap 'fail "interrupted"' INT TERM

# ---- 1. preflight -------------------------------------------------------------------------
cd "$(dirname "${BASH_SOURCE[0]}")/.." # the project root, wherever it is run from
[ -f package.json ] && [ "$(node -p "require('./package.json').name" 2>/dev/null)" = tfjs-lstm ] ||
  fail "run it from the tfjs-lstm project root"
[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] ||
  fail "only Linux x86_64 is supported (PyPI's manylinux x86_64 wheel), this is $(uname -s)-$(uname -m)"
mkdir -p "$CACHE" || fail "cannot create the cache directory $CACHE"
# One run at a time per cache (two would fight over node_modules and the downloads).
if command -v flock >/dev/null; then
  exec 9>"$CACHE/.lock"
  flock -w 600 9 || fail "another install-tfjs-node.sh holds $CACHE/.lock"
fi
LOG="$CACHE/install-tfjs-node.log"
: >"$LOG"

for tool in node npm unzip nm g++ make tar; do
  command -v "$tool" >/dev/null || fail "'$tool' is not installed (Debian: apt-get install -y g++ make unzip binutils tar)"
done
"$PYTHON" -m pip --version >/dev/null 2>&1 || fail "'$PYTHON -m pip' does not work (set PYTHON to a python with pip)"

[ -f node_modules/@tensorflow/tfjs/package.json ] || fail "node_modules/@tensorflow/tfjs is missing: run 'npm ci' first"
TFJS_VERSION=$(node -p "require('./node_modules/@tensorflow/tfjs/package.json').version")
LOCK_TFJS_VERSION=$(node -p "(require('./package-lock.json').packages['node_modules/@tensorflow/tfjs']||{}).version") ||
  fail "cannot read @tensorflow/tfjs's version from package-lock.json"
[ "$TFJS_VERSION" = "$LOCK_TFJS_VERSION" ] ||
  fail "node_modules has @tensorflow/tfjs $TFJS_VERSION, package-lock.json $LOCK_TFJS_VERSION: run 'npm ci' first"
TFJS_NODE_VERSION="${TFJS_NODE_VERSION:-$LOCK_TFJS_VERSION}"

NODEDIR="${NODEDIR:-$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")}"
NODE_H="$NODEDIR/include/node/node_version.h"
[ -f "$NODEDIR/include/node/node_api.h" ] && [ -f "$NODEDIR/include/node/common.gypi" ] ||
  fail "no Node headers in $NODEDIR/include/node (node-gyp would try to download them): set NODEDIR"
HEADERS_VERSION=$(awk '/define NODE_(MAJOR|MINOR|PATCH)_VERSION /{v=v (v?".":"") $3} END{print v}' "$NODE_H")
[ "v$HEADERS_VERSION" = "$(node -v)" ] || fail "Node headers in $NODEDIR are v$HEADERS_VERSION but node is $(node -v)"

NPM_ROOT=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")") # npm's own install: node-gyp, semver
[ -d "$NPM_ROOT/node_modules/semver" ] || fail "npm's bundled semver is not in $NPM_ROOT/node_modules"
NODE_GYP="${npm_config_node_gyp:-$NPM_ROOT/node_modules/node-gyp/bin/node-gyp.js}"
[ -f "$NODE_GYP" ] || fail "npm's bundled node-gyp is not at $NODE_GYP (set npm_config_node_gyp)"

WANT="tfjs-node $TFJS_NODE_VERSION, tensorflow-cpu $TF_CPU_VERSION, node $(node -v)"

# The check of step 9: prints the backend and the product's values.
check() {
  node -e "
    const tf = require('@tensorflow/tfjs-node');
    tf.ready().then(async () => {
      const p = tf.matMul(tf.ones([2, 2]), tf.ones([2, 2]));
      p.print();
      console.log(tf.getBackend() + ' ' + JSON.stringify(await p.array()));
    });"
}
CHECK_OUT="$CACHE/.check.out"
check_ok() {
  check >"$CHECK_OUT" 2>&1 || true
  cat "$CHECK_OUT" >>"$LOG"
  tail -n 1 "$CHECK_OUT" | grep -qx 'tensorflow \[\[2,2\],\[2,2\]\]'
}

# ---- 2. fast path -------------------------------------------------------------------------
STEP=fast-path
if [ -f "$PKG_DIR/$MARKER_NAME" ] && [ "$(cat "$PKG_DIR/$MARKER_NAME")" = "$WANT" ] && check_ok; then
  say "already installed ($WANT); check passed: backend tensorflow"
  exit 0
fi

# ---- 3. fetch -----------------------------------------------------------------------------
STEP=fetch
TGZ="$CACHE/tensorflow-tfjs-node-$TFJS_NODE_VERSION.tgz"
if ! tar -tzf "$TGZ" >/dev/null 2>&1; then
  say "npm pack @tensorflow/tfjs-node@$TFJS_NODE_VERSION"
  rm -f "$TGZ"
  npm pack "@tensorflow/tfjs-node@$TFJS_NODE_VERSION" --pack-destination "$CACHE" >>"$LOG" 2>&1 ||
    fail "npm pack @tensorflow/tfjs-node@$TFJS_NODE_VERSION failed (no such version, or the npm registry is unreachable)"
  [ -f "$TGZ" ] || fail "npm pack did not write $TGZ"
fi

PYTAG="cp${TF_WHEEL_PYTHON/./}"
wheel() { ls "$CACHE"/tensorflow_cpu-"$TF_CPU_VERSION"-"$PYTAG"-"$PYTAG"-*manylinux*x86_64.whl 2>/dev/null | head -n 1; }
WHEEL=$(wheel || true)
if [ -z "$WHEEL" ]; then
  say "pip download tensorflow-cpu==$TF_CPU_VERSION ($PYTAG wheel, ~230 MB)"
  "$PYTHON" -m pip download --no-deps --only-binary=:all: --implementation cp \
    --python-version "$TF_WHEEL_PYTHON" --platform manylinux2014_x86_64 \
    --dest "$CACHE" "tensorflow-cpu==$TF_CPU_VERSION" >>"$LOG" 2>&1 ||
    fail "no tensorflow-cpu==$TF_CPU_VERSION wheel for $PYTAG manylinux2014_x86_64 on PyPI (or PyPI is unreachable)"
  WHEEL=$(wheel || true)
  [ -n "$WHEEL" ] || fail "pip download did not leave a tensorflow-cpu $TF_CPU_VERSION $PYTAG wheel in $CACHE"
fi
unzip -l "$WHEEL" tensorflow/libtensorflow_framework.so.2 >/dev/null 2>&1 ||
  fail "$(basename "$WHEEL") has no tensorflow/libtensorflow_framework.so.2 (a corrupt download? delete it from $CACHE)"
unzip -l "$WHEEL" tensorflow/libtensorflow_cc.so.2 >/dev/null 2>&1 ||
  fail "$(basename "$WHEEL") has no tensorflow/libtensorflow_cc.so.2: this TensorFlow keeps its C API inside its Python extension; use TF_CPU_VERSION >= 2.12"

# ---- 4. npm deps --------------------------------------------------------------------------
STEP="npm deps"
TOUCHED=1
# Removed here rather than by npm, which prunes it anyway (it is in no lockfile) but can take
# minutes over its 600 MB on a busy disk.
rm -rf "$PKG_DIR" "$STAGE"
# tfjs-node's dependencies that node_modules lacks (or has at a version outside the range).
DEPS=$(tar -xzOf "$TGZ" package/package.json | SEMVER="$NPM_ROOT/node_modules/semver" node -e "
  const semver = require(process.env.SEMVER);
  const fs = require('fs');
  const deps = JSON.parse(fs.readFileSync(0, 'utf8')).dependencies || {};
  const tfjs = deps['@tensorflow/tfjs'];
  if (tfjs && !semver.satisfies('$TFJS_VERSION', tfjs)) {
    console.error('tfjs-node $TFJS_NODE_VERSION wants @tensorflow/tfjs ' + tfjs + ', the project has $TFJS_VERSION');
    process.exit(1);
  }
  const have = (n) => { try { return JSON.parse(fs.readFileSync('node_modules/' + n + '/package.json', 'utf8')).version; } catch { return null; } };
  console.log(Object.entries(deps)
    .filter(([n, range]) => !n.startsWith('@tensorflow/') && !(have(n) && semver.satisfies(have(n), range)))
    .map(([n, range]) => n + '@' + range).join(' '));
" 2>>"$LOG") || fail "$(tail -n 1 "$LOG")"
if [ -n "$DEPS" ]; then
  say "npm install --no-save --ignore-scripts $DEPS"
  cp package.json "$CACHE/.package.json.before"
  cp package-lock.json "$CACHE/.package-lock.json.before"
  # shellcheck disable=SC2086 # word splitting of the list is intended
  npm install --no-save --ignore-scripts --no-audit --no-fund $DEPS >>"$LOG" 2>&1 ||
    fail "npm install --no-save of tfjs-node's dependencies failed: $(grep -m1 'npm error' "$LOG" || true)"
  cmp -s package.json "$CACHE/.package.json.before" && cmp -s package-lock.json "$CACHE/.package-lock.json.before" ||
    fail "npm changed package.json or package-lock.json (restore them with git)"
fi

# ---- 5. stage -----------------------------------------------------------------------------
STEP=stage
# The wheel's libraries and C headers are unzipped once per version into the cache (~600 MB),
# then hard-linked (or copied, across file systems) into the package.
EXTRACTED="$CACHE/tensorflow-cpu-$TF_CPU_VERSION-$PYTAG"
if [ ! -s "$EXTRACTED/exported-symbols.txt" ]; then
  say "unzip the libraries and C headers of $(basename "$WHEEL")"
  TMP_X="$EXTRACTED.tmp.$$"
  rm -rf "$TMP_X" "$EXTRACTED"
  mkdir -p "$TMP_X/lib"
  unzip -q -o -j -d "$TMP_X/lib" "$WHEEL" tensorflow/libtensorflow_cc.so.2 tensorflow/libtensorflow_framework.so.2 >>"$LOG" 2>&1 ||
    { rm -rf "$TMP_X"; fail "unzip of the libraries from $(basename "$WHEEL") failed (a corrupt download? delete it from $CACHE)"; }
  unzip -q -o -d "$TMP_X/unzip" "$WHEEL" 'tensorflow/include/tensorflow/c/*' 'tensorflow/include/*tsl/c/*' \
    'tensorflow/include/*ctstring*' >>"$LOG" 2>&1 || { rm -rf "$TMP_X"; fail "unzip of the C headers from $(basename "$WHEEL") failed"; }
  mv "$TMP_X/unzip/tensorflow/include" "$TMP_X/include"
  rm -rf "$TMP_X/unzip"
  for h in tensorflow/c/c_api.h tensorflow/c/eager/c_api.h tensorflow/core/platform/ctstring_internal.h; do
    [ -f "$TMP_X/include/$h" ] || { rm -rf "$TMP_X"; fail "$(basename "$WHEEL") has no header $h"; }
  done
  # Symbol names carry a version suffix (TF_Version@@tensorflow): compare the bare names.
  nm -D --defined-only "$TMP_X/lib/libtensorflow_cc.so.2" "$TMP_X/lib/libtensorflow_framework.so.2" 2>>"$LOG" |
    awk '{print $NF}' | sed 's/@.*//' | grep -E '^TFE?_' | sort -u >"$TMP_X/exported-symbols.txt" || true
  [ -s "$TMP_X/exported-symbols.txt" ] ||
    { rm -rf "$TMP_X"; fail "nm found no TF_*/TFE_* symbols in the libraries of $(basename "$WHEEL")"; }
  mv "$TMP_X" "$EXTRACTED"
fi
say "stage tfjs-node $TFJS_NODE_VERSION with tensorflow-cpu $TF_CPU_VERSION's libraries"
rm -rf "$STAGE"
mkdir -p "$STAGE/deps"
tar -xzf "$TGZ" -C "$STAGE" --strip-components=1
cp -al "$EXTRACTED/lib" "$STAGE/deps/lib" 2>>"$LOG" || { rm -rf "$STAGE/deps/lib"; cp -a "$EXTRACTED/lib" "$STAGE/deps/lib"; }
cp -a "$EXTRACTED/include" "$STAGE/deps/include"
LIBTF_NAME=$(cd "$STAGE" && node -p "require('./scripts/deps-constants.js').depsLibTensorFlowName") # libtensorflow.so.2.9.1
for name in libtensorflow.so libtensorflow.so.2 "$LIBTF_NAME"; do ln -sf libtensorflow_cc.so.2 "$STAGE/deps/lib/$name"; done
ln -sf libtensorflow_framework.so.2 "$STAGE/deps/lib/libtensorflow_framework.so"

# ---- 6. symbols ---------------------------------------------------------------------------
STEP=symbols
EXPORTED="$EXTRACTED/exported-symbols.txt"
# Inline in the headers (not exported): the TF_TString_* helpers. The binding's own: TF_Auto*, TFE_AutoOp.
grep -ohE '\bTFE?_[A-Za-z0-9_]+[[:space:]]*\(' "$STAGE"/binding/*.cc "$STAGE"/binding/*.h | sed 's/[[:space:]]*($//' |
  grep -vE '^(TF_Auto|TFE_Auto|TF_TString_)' | sort -u >"$STAGE/.called"
MISSING=$(comm -23 "$STAGE/.called" "$EXPORTED" | paste -sd' ')
[ -z "$MISSING" ] || fail "tensorflow-cpu $TF_CPU_VERSION lacks symbols the binding calls: $MISSING"
say "symbols: the $(wc -l <"$STAGE/.called") TF_*/TFE_* functions the binding calls are all exported"

# ---- 7. build -----------------------------------------------------------------------------
STEP=build
say "build the addon (node-pre-gyp, Node headers from $NODEDIR)"
PRE_GYP=$(node -p "require.resolve('@mapbox/node-pre-gyp/bin/node-pre-gyp')" 2>>"$LOG") ||
  fail "@mapbox/node-pre-gyp is not installed"
# `install --build-from-source` builds for the best N-API version only (`rebuild` builds all six).
if ! (cd "$STAGE" && npm_config_jobs="$(nproc)" npm_config_node_gyp="$NODE_GYP" npm_config_nodedir="$NODEDIR" \
  node "$PRE_GYP" install --build-from-source --nodedir="$NODEDIR" >>"$LOG" 2>&1); then
  fail "compiling the binding failed: $(grep -m1 -E 'error|Error' "$LOG" | cut -c1-200)"
fi
ADDON=$(ls "$STAGE"/lib/napi-v*/tfjs_binding.node 2>/dev/null | head -n 1)
[ -n "$ADDON" ] || fail "the build left no lib/napi-v*/tfjs_binding.node"
MISSING=$(nm -D --undefined-only "$ADDON" | awk '{print $NF}' | sed 's/@.*//' | grep -E '^TFE?_' | sort -u |
  comm -23 - "$EXPORTED" | paste -sd' ')
[ -z "$MISSING" ] || fail "the addon imports symbols tensorflow-cpu $TF_CPU_VERSION does not export: $MISSING"
NOT_FOUND=$(ldd "$ADDON" | grep 'not found' | tr -s ' \t\n' ' ' || true)
[ -z "$NOT_FOUND" ] || fail "the addon's libraries do not resolve: $NOT_FOUND"
rm -rf "$STAGE/build/Release/obj.target" "$STAGE/.called"

# ---- 8. install ---------------------------------------------------------------------------
STEP=install
rm -rf "$PKG_DIR"
mv "$STAGE" "$PKG_DIR"
RESOLVED=$(cd "$PKG_DIR" && node -p "require.resolve('@tensorflow/tfjs')")
[ "$RESOLVED" = "$(node -p "require.resolve('@tensorflow/tfjs')")" ] ||
  fail "tfjs-node resolves @tensorflow/tfjs to $RESOLVED, not the project's copy"

# ---- 9. check -----------------------------------------------------------------------------
STEP=check
check_ok || fail "require('@tensorflow/tfjs-node') did not give backend tensorflow with matMul = [[2,2],[2,2]]: $(
  { grep -m1 -E '^[[:space:]]*[A-Za-z]*Error:' "$CHECK_OUT" || grep -v '^\s*$' "$CHECK_OUT" | tail -n 1; } | cut -c1-200)"
echo "$WANT" >"$PKG_DIR/$MARKER_NAME"
say "installed $WANT; check passed: backend tensorflow, matMul(ones, ones) = [[2,2],[2,2]]"
