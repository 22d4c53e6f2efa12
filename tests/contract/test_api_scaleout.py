"""A representative slice of the API tests, run unchanged on the whole scale-out stack: PostgreSQL
catalog, S3 objects, Celery/Redis with a separate ``sohoa worker`` process doing the OCR."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.api import test_admin_dead_letters, test_documents, test_dossiers, test_upload
from tests.catalog import test_audit
from tests.conftest import running_client
from tests.scaleout import Stack

SLICE = [  # intake, numbering and owners under concurrency; OCR in the worker; S3 reads; audit; dead letters
    test_dossiers.test_dossier_codes_are_unique_under_concurrent_intake,
    test_dossiers.test_second_code_links_to_the_same_owner,
    test_upload.test_upload_answers_202_at_once_and_processes_in_background,
    test_upload.test_same_bytes_are_stored_once,
    test_documents.test_read_back_original_pdf_and_text,
    test_admin_dead_letters.test_dead_letters_are_listed_for_archivists_and_can_be_retried,
    test_audit.test_chain_detects_edit_delete_and_truncation,
]


@pytest.fixture
def scaleout_client(scaleout_stack: Stack) -> Iterator[TestClient]:
    """The ``client`` fixture's app on the scale-out stack, with one worker process."""
    worker = scaleout_stack.start_worker(ready=False)  # starts while the app starts
    for client in running_client(scaleout_stack.settings):
        worker.wait_ready()
        yield client


@pytest.mark.parametrize("api_test", SLICE, ids=lambda t: f"{t.__module__.rsplit('.', 1)[1]}::{t.__name__}")
def test_api_on_the_scaleout_stack(api_test, scaleout_client: TestClient):
    api_test(scaleout_client)
