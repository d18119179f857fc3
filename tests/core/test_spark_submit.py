"""spark-submit's exit code carries whether retrying can help."""

from __future__ import annotations

import pytest

from core.errors import LkError, NotRetryable
from core.settings import Settings
from core.spark_submit import NOT_RETRYABLE_EXIT, spark_submit

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(("code", "raised"), [(NOT_RETRYABLE_EXIT, NotRetryable), (1, LkError)])
def test_a_jobs_exit_code_says_whether_to_retry(tmp_path, code, raised):
    script = tmp_path / "job.py"
    script.write_text(f"import sys\nprint('lk: error: it went wrong')\nsys.exit({code})\n")
    settings = Settings.from_env(data_dir=tmp_path)
    with pytest.raises(raised, match="it went wrong") as caught:
        spark_submit(settings, script, "lk-test", ["step"])
    assert isinstance(caught.value, NotRetryable) == (raised is NotRetryable)
