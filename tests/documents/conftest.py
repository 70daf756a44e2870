import pytest

from tests.documents.helpers import ConnectionRecorder


@pytest.fixture
def recorder():
    server = ConnectionRecorder()
    yield server
    server.close()
