"""The OpenSearch adapter on the session's real node: chosen by URL scheme, and safe when
processes starting together race to create the index."""

from __future__ import annotations

import uuid

import pytest
from opensearchpy.exceptions import RequestError

from search import OutdatedIndex, SearchQuery, open_index
from search.dsl import index_settings
from search.opensearch import OpenSearchIndex

from .conftest import make_doc


@pytest.fixture
def name() -> str:
    return f"sohoa-test-{uuid.uuid4().hex[:12]}"


def test_the_opensearch_scheme_opens_the_named_index(opensearch_url, name, tmp_path):
    ix = open_index(f"{opensearch_url}/{name}/", default_dir=tmp_path)
    try:
        assert isinstance(ix, OpenSearchIndex) and ix.name == name
        assert ix.client.indices.exists(index=name)
        mapping = ix.client.indices.get_mapping(index=name)[name]["mappings"]
        assert mapping["properties"]["content"]["analyzer"] == "sohoa_folded"
    finally:
        ix.client.indices.delete(index=name)
        ix.close()


def test_a_second_process_uses_the_index_the_first_created(opensearch_url, name, tmp_path):
    first = open_index(f"{opensearch_url}/{name}", default_dir=tmp_path)
    second = open_index(f"{opensearch_url}/{name}", default_dir=tmp_path)
    try:
        first.upsert([make_doc(1, "Giấy ra viện")])
        second._create(index_settings())  # lost the race: the index exists by now
        assert [h.id for h in second.search(SearchQuery(text="giay ra vien")).hits] == [make_doc(1).id]
        broken = index_settings()
        broken["mappings"]["properties"]["content"]["analyzer"] = "no_such_analyzer"
        with pytest.raises(RequestError):
            second.client.indices.delete(index=name)
            second._create(broken)
    finally:
        first.client.indices.delete(index=name, ignore_unavailable=True)
        first.close()
        second.close()


def test_an_index_without_the_office_field_is_refused_until_rebuilt(opensearch_url, name, tmp_path):
    old = index_settings()
    del old["mappings"]["_meta"], old["mappings"]["properties"]["office"]  # as version 1 created it
    url = f"{opensearch_url}/{name}"
    first = open_index(url, default_dir=tmp_path)
    first.client.indices.delete(index=name)
    first.client.indices.create(index=name, body=old)
    try:
        with pytest.raises(OutdatedIndex, match="sohoa reindex"):
            open_index(url, default_dir=tmp_path)
        rebuilt = open_index(url, default_dir=tmp_path, rebuild=True)
        rebuilt.upsert([make_doc(1, "Giấy ra viện", office="PT02")])
        assert [h.office for h in rebuilt.search(SearchQuery(offices=("PT02",))).hits] == ["PT02"]
        rebuilt.close()
        current = open_index(url, default_dir=tmp_path)  # current now: opened as it is
        assert current.count() == 1
        current.close()
    finally:
        first.client.indices.delete(index=name, ignore_unavailable=True)
        first.close()
