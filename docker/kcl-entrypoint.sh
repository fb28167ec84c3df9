#!/bin/sh
# Starts the KCL MultilangDaemon with the image's kcl.properties, adjusted from the environment so
# one image serves every deployment: RIPOSTE_STREAM (streamName), RIPOSTE_KCL_APPLICATION
# (applicationName, also the lease table), AWS_REGION (regionName). Mount your own file at
# /app/kcl.properties for anything else.
set -eu
properties=/tmp/kcl.properties
cp /app/kcl.properties "$properties"
set_key() {
  # Replaces the line `key = ...` with the value given, when one is given.
  [ -n "$2" ] || return 0
  sed -i "s|^$1 *=.*|$1 = $2|" "$properties"
}
set_key streamName "${RIPOSTE_STREAM:-}"
set_key applicationName "${RIPOSTE_KCL_APPLICATION:-}"
set_key regionName "${AWS_REGION:-}"
cd /app
exec java ${JAVA_OPTS:-} -cp "/opt/kcl/jars/*:/app" software.amazon.kinesis.multilang.MultiLangDaemon --properties-file "$properties"
