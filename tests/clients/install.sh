#!/usr/bin/env bash
# Installs the Java and Node SPARQL clients `make test-clients` drives, into .clients/ (idempotent):
# Apache Jena's rsparql from Debian (libapache-jena-java, with the class-path fix of ../shared/clients.md) and
# Comunica 5 on Node 22 from npm (Debian's Node 20 is too old for Comunica 5). Needs root for apt.
set -euo pipefail
cd "$(dirname "$0")/../.."
DEST=.clients
mkdir -p "$DEST"
missing=""
test -f /usr/share/java/jena-cmds.jar || missing="$missing libapache-jena-java"
command -v java >/dev/null 2>&1 || missing="$missing default-jre-headless"
command -v unzip >/dev/null 2>&1 || missing="$missing unzip"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
if test -n "$missing"; then
  apt-get -o DPkg::Lock::Timeout=600 update -q
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends $missing
fi
# Debian relocated Jena's Xerces classes but not their message bundle: put it where the classes look.
J=/usr/share/java
FIX="$PWD/$DEST/jena-fix"
mkdir -p "$FIX/xerces/impl/xpath/regex"
unzip -p $J/jena-core.jar org/apache/jena/ext/xerces/impl/xpath/regex/message.properties \
  > "$FIX/xerces/impl/xpath/regex/message.properties"
CP=""
for jar in jena-arq jena-base jena-cmds jena-core jena-iri jena-rdfconnection jena-shacl jena-shex jena-tdb jena-tdb2 \
    jena-dboe-base jena-dboe-index jena-dboe-storage jena-dboe-trans-data jena-dboe-transaction commons-cli \
    commons-codec commons-compress commons-csv commons-io commons-lang3 dexx.collection gson guava jackson-core \
    jackson-databind jakarta.json-api jsonld-java titanium-json-ld protobuf thrift slf4j-api slf4j-simple; do
  CP="$CP$J/$jar.jar:"
done
echo "$CP$FIX" > "$DEST/jena.classpath"
if ! test -x "$DEST/node_modules/.bin/comunica-sparql"; then
  (cd "$DEST" && npm install --no-audit --no-fund --silent node@22 @comunica/query-sparql@5.4.1)
fi
echo "clients installed in $DEST"
