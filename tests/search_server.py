"""A throwaway single-node OpenSearch for the search contract suite and bench/search_scale.py.

The node is assembled from Maven Central by tests/opensearch_node/pom.xml (`make search-server`
builds it into build/opensearch, its jars cached in build/m2) and started like the other test
servers (tests/servers.py): its own temp directory, free loopback ports, a small heap, and
ready once the cluster is green.

    with start_opensearch() as server:
        index = open_index(f"{server.url}/my-index", default_dir=...)
"""

from __future__ import annotations

import json
import os
import shutil
import urllib.request
from pathlib import Path

from tests.servers import RunningService, ServiceUnavailable, free_port, serve_process

REPO = Path(__file__).resolve().parents[1]
BUILD = REPO / "build" / "opensearch"
MAIN_CLASS = "sohoa.searchnode.SearchNode"
HEAP = ("256m", "512m")  # -Xms, -Xmx: enough for the contract suite
# Green in ~5 s on an idle 2-core machine, 34 s seen at load 14: leave room.
START_TIMEOUT_S = 180.0
# The node is run and tested on Debian's Java 17 (SOHOA_TEST_JAVA picks another java).
DEBIAN_JAVA_17 = Path("/usr/lib/jvm/java-17-openjdk-amd64/bin/java")


def java() -> str:
    """SOHOA_TEST_JAVA, else Debian's Java 17, else the java on PATH."""
    found = os.environ.get("SOHOA_TEST_JAVA") or (str(DEBIAN_JAVA_17) if DEBIAN_JAVA_17.exists() else shutil.which("java"))
    if not found or not os.access(found, os.X_OK):
        raise ServiceUnavailable("no java found; install the Debian package openjdk-17-jdk-headless (make system-test)")
    return found


def classpath() -> str:
    listed = BUILD / "classpath.txt"
    classes = BUILD / "classes" / Path(*MAIN_CLASS.split(".")).with_suffix(".class")
    if not (listed.is_file() and classes.is_file()):
        raise ServiceUnavailable(f"the OpenSearch test node is not built ({BUILD}); run `make search-server`")
    return os.pathsep.join([str(BUILD / "classes"), listed.read_text().strip()])


def cluster_is_green(port: int) -> bool:
    url = f"http://127.0.0.1:{port}/_cluster/health?wait_for_status=green&timeout=1s"
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return json.load(resp).get("status") == "green"
    except (OSError, ValueError):
        return False


def start_opensearch(heap: tuple[str, str] = HEAP) -> RunningService:
    """Start the node; url is opensearch+http://127.0.0.1:PORT (add /index-name for open_index)."""
    binary, jars = java(), classpath()

    def node(workdir: Path, port: int) -> list[str]:
        (workdir / "tmp").mkdir()
        return [binary, f"-Xms{heap[0]}", f"-Xmx{heap[1]}", "-XX:-HeapDumpOnOutOfMemoryError",
                "-Dlog4j2.disable.jmx=true", f"-Djava.io.tmpdir={workdir / 'tmp'}", "-cp", jars, MAIN_CLASS,
                str(workdir), str(port), str(free_port())]

    return serve_process("opensearch", node, cluster_is_green, "opensearch+http://127.0.0.1:{port}",
                         timeout=START_TIMEOUT_S)
