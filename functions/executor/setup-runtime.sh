#!/bin/sh
# Builds the executor's runtime: bubblewrap, a Japanese font, and a Python environment from
# Debian's /usr/bin/python3 with requirements.txt, matplotlib's font cache prebuilt and the
# sandbox's seccomp filter compiled (seccomp_filter.py, with Debian's python3-seccomp).
# The same script runs in the image (Dockerfile) and locally (devstack/executor_runtime.py).
#   sh setup-runtime.sh VENV_DIR
set -eu
venv="$1"
here="$(cd "$(dirname "$0")" && pwd)"
font=/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf

missing=""
command -v bwrap >/dev/null 2>&1 || missing="$missing bubblewrap"
[ -e "$font" ] || missing="$missing fonts-ipaexfont-gothic"
[ -x /usr/bin/python3 ] || missing="$missing python3"
/usr/bin/python3 -c "import ensurepip, venv" >/dev/null 2>&1 || missing="$missing python3-venv"
/usr/bin/python3 -c "import seccomp" >/dev/null 2>&1 || missing="$missing python3-seccomp"
if [ -n "$missing" ]; then
  export DEBIAN_FRONTEND=noninteractive
  # shellcheck disable=SC2086
  apt-get install -y --no-install-recommends $missing \
    || { apt-get update && apt-get install -y --no-install-recommends $missing; }
fi

/usr/bin/python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-cache-dir \
  -r "$here/requirements.txt"

# matplotlib: Agg, and Japanese glyphs from IPAexGothic where DejaVu Sans has none. The font
# cache is built now, at the paths the sandbox uses (the environment is bound at its own path),
# and bound into the sandbox's writable MPLCONFIGDIR, so no run rebuilds it.
mkdir -p "$venv/mplconfig"
cat > "$venv/mplconfig/matplotlibrc" <<'RC'
backend: Agg
font.family: DejaVu Sans, IPAexGothic
RC
MPLCONFIGDIR="$venv/mplconfig" "$venv/bin/python" -c "import matplotlib.font_manager as f; f.findfont('IPAexGothic', fallback_to_default=False)"

# The seccomp program bubblewrap loads before the code starts (runner.py reads it from here).
/usr/bin/python3 "$here/seccomp_filter.py" "$venv/seccomp.bpf"
