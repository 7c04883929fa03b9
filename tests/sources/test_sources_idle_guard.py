"""Idle-guard detection: mlcost's and AWS's scripts are recognised, others are not guessed."""

from __future__ import annotations

import base64

import pytest

from mlcost.agent import lifecycle
from mlcost.demo.org import AUTOSTOP_SCRIPT, CONDA_SCRIPT
from mlcost.sources.aws.idle_guard import Guard, classify_config, classify_script, has_idle_guard


def _config(**scripts: str) -> dict:
    """A DescribeNotebookInstanceLifecycleConfig response with these OnCreate/OnStart texts."""
    return {
        hook: [{"Content": base64.b64encode(text.encode()).decode()}]
        for hook, text in scripts.items()
    }


@pytest.mark.parametrize("kind", ["notebook", "studio", "ec2"])
def test_mlcost_scripts_are_recognised_by_their_marker(kind: str) -> None:
    script = lifecycle.render(kind, lifecycle.agent_args(kind))
    content = base64.b64encode(script).decode()  # binary payload and all, as AWS returns it
    assert has_idle_guard({"OnStart": [{"Content": content}]}) is True
    verdict, why = classify_config({"OnStart": [{"Content": content}]})
    assert verdict is Guard.GUARDED and "mlcost agent" in why


def test_aws_auto_stop_sample_is_recognised_by_its_shape() -> None:
    verdict, why = classify_script(AUTOSTOP_SCRIPT)
    assert verdict is Guard.GUARDED and "auto-stop-idle" in why


def test_a_script_that_stops_nothing_is_no_guard() -> None:
    assert classify_script(CONDA_SCRIPT)[0] is Guard.NONE
    assert has_idle_guard(_config(OnStart=CONDA_SCRIPT)) is False
    assert has_idle_guard(_config(OnStart="#!/bin/bash\n# nothing yet\n\n")) is False
    assert has_idle_guard({}) is False  # a config without scripts


@pytest.mark.parametrize(
    "script",
    [
        "export IDLE_TIME=1800\npython /home/ec2-user/stop_when_quiet.py &\n",
        "aws s3 cp s3://team-bucket/lcc/start.sh /tmp/s.sh && bash /tmp/s.sh\n",
        "curl -fsSL https://example.com/guard.sh | bash\n",
        "pip install mlcost && mlcost-agent --install\n",  # mentions mlcost, not our script
        'echo "0 20 * * * sudo shutdown -h now" | crontab -\n',
        "python autostop.py\n",  # autostop, but not scheduled as AWS's sample does
        "aws sagemaker stop-notebook-instance --notebook-instance-name $(cat /tmp/n)\n",
    ],
)
def test_scripts_that_might_stop_the_instance_are_unknown_not_no_guard(script: str) -> None:
    verdict, why = classify_script("#!/bin/bash\nset -e\n" + script)
    assert verdict is Guard.UNKNOWN and "may stop the instance" in why
    assert has_idle_guard(_config(OnStart=script)) is None


def test_a_comment_alone_does_not_make_a_script_unknown() -> None:
    assert classify_script("#!/bin/bash\n# no idle guard here\nconda install -y pandas\n")[0] is (
        Guard.NONE
    )


def test_unreadable_content_is_unknown() -> None:
    verdict, why = classify_config({"OnStart": [{"Content": "python autostop.py"}]})
    assert verdict is Guard.UNKNOWN and "not base64" in why


def test_any_guarded_hook_guards_the_config() -> None:
    guarded = lifecycle.render("notebook", lifecycle.agent_args("notebook"))
    config = {
        "OnCreate": [{"Content": base64.b64encode(CONDA_SCRIPT.encode()).decode()}],
        "OnStart": [{"Content": base64.b64encode(guarded).decode()}],
    }
    assert has_idle_guard(config) is True
