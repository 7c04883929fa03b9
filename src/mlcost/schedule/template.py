"""The CloudFormation template `mlcost schedule deploy --dry-run` prints.

Why plain CloudFormation: it deploys with the AWS CLI alone (``aws cloudformation deploy``),
and ``cfn-lint`` validates it in CI. The Lambda runs one pass per EventBridge tick with
``mlcost.schedule.lambda_handler.handler``; its role allows exactly the operations the
schedule descriptors declare (``Schedulable.calls``), as ``mlcost policy self`` derives its
policy, with ``iam:PassRole`` narrowed to SageMaker (recreating an endpoint's model hands
SageMaker its execution role). The journal must outlive a Lambda's ``/tmp``: the template
takes a PostgreSQL URL (the fix journal's team store) for the resume and the endpoints'
snapshots.
"""

from __future__ import annotations

import json
from typing import Any

from mlcost.errors import UserError
from mlcost.fix.policy import PASS_ROLE, PASS_ROLE_CONDITION
from mlcost.schedule.model import Schedule
from mlcost.schedule.resources import schedule_calls
from mlcost.sources.aws.policy import iam_action

HANDLER = "mlcost.schedule.lambda_handler.handler"
#: Lambda's limit on all environment variables of a function together is 4 KB.
_ENV_LIMIT = 4096


def schedule_iam_actions() -> list[str]:
    """Every IAM action a pass may need, from the descriptors' declared calls."""
    return sorted({iam_action(service, op) for service, op in schedule_calls()})


def schedule_statements() -> list[dict[str, Any]]:
    """``MlcostSchedule`` (and ``MlcostSchedulePassRole``, towards SageMaker only): what a
    pass may call, for the Lambda's role and ``mlcost policy self --schedule``."""
    actions = schedule_iam_actions()
    statements: list[dict[str, Any]] = [
        {
            "Sid": "MlcostSchedule",
            "Effect": "Allow",
            "Action": [a for a in actions if a != PASS_ROLE],
            "Resource": "*",
        }
    ]
    if PASS_ROLE in actions:
        statements.append(
            {
                "Sid": "MlcostSchedulePassRole",
                "Effect": "Allow",
                "Action": [PASS_ROLE],
                "Resource": "*",
                "Condition": PASS_ROLE_CONDITION,
            }
        )
    return statements


def schedules_json(schedules: dict[str, Schedule]) -> str:
    """The schedules as the Lambda reads them from ``MLCOST_SCHEDULES``."""
    tables = {
        name: s.model_dump(mode="json", by_alias=True, exclude={"name"}, exclude_defaults=True)
        for name, s in schedules.items()
    }
    return json.dumps({"schedules": tables}, separators=(",", ":"), sort_keys=True)


def template(
    schedules: dict[str, Schedule], regions: list[str], *, rate_minutes: int = 5
) -> dict[str, Any]:
    """The stack: role, function, EventBridge rule and the rule's permission to invoke."""
    if not 1 <= rate_minutes <= 1440:
        raise UserError(f"--every must be 1 to 1440 minutes, got {rate_minutes}")
    encoded = schedules_json(schedules)
    if len(encoded) > _ENV_LIMIT - 512:
        raise UserError(
            f"the schedules take {len(encoded)} bytes; a Lambda's environment holds 4 KB",
            "split them into fewer, broader schedules",
        )
    statements = [
        *schedule_statements(),
        {
            "Sid": "Logs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": {"Fn::GetAtt": ["PassLogGroup", "Arn"]},
        },
    ]
    every = "rate(1 minute)" if rate_minutes == 1 else f"rate({rate_minutes} minutes)"
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "mlcost start/stop schedules: one idempotent pass per EventBridge tick",
        "Parameters": {
            "CodeBucket": {
                "Type": "String",
                "Description": "S3 bucket holding the zipped mlcost package with its dependencies",
            },
            "CodeKey": {"Type": "String", "Description": "S3 key of that zip"},
            "DatabaseUrl": {
                "Type": "String",
                "NoEcho": True,
                "Description": "PostgreSQL URL of the fix journal (resume and endpoint snapshots)",
            },
            "Apply": {
                "Type": "String",
                "AllowedValues": ["true", "false"],
                "Default": "false",
                "Description": "false: each pass only logs what it would do",
            },
        },
        "Resources": {
            "PassLogGroup": {
                "Type": "AWS::Logs::LogGroup",
                "Properties": {
                    "LogGroupName": {"Fn::Sub": "/aws/lambda/${AWS::StackName}-pass"},
                    "RetentionInDays": 90,
                },
            },
            "PassRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "lambda.amazonaws.com"},
                                "Action": "sts:AssumeRole",
                            }
                        ],
                    },
                    "Policies": [
                        {
                            "PolicyName": "mlcost-schedule",
                            "PolicyDocument": {"Version": "2012-10-17", "Statement": statements},
                        }
                    ],
                },
            },
            "PassFunction": {
                "Type": "AWS::Lambda::Function",
                "DependsOn": ["PassLogGroup"],
                "Properties": {
                    "FunctionName": {"Fn::Sub": "${AWS::StackName}-pass"},
                    "Runtime": "python3.12",
                    "Handler": HANDLER,
                    "Code": {"S3Bucket": {"Ref": "CodeBucket"}, "S3Key": {"Ref": "CodeKey"}},
                    "Role": {"Fn::GetAtt": ["PassRole", "Arn"]},
                    "Timeout": 900,
                    "MemorySize": 512,
                    "ReservedConcurrentExecutions": 1,
                    "Environment": {
                        "Variables": {
                            "MLCOST_SCHEDULES": encoded,
                            "MLCOST_REGIONS": ",".join(regions),
                            "MLCOST_DATABASE_URL": {"Ref": "DatabaseUrl"},
                            "MLCOST_SCHEDULE_APPLY": {"Ref": "Apply"},
                        }
                    },
                },
            },
            "PassRule": {
                "Type": "AWS::Events::Rule",
                "Properties": {
                    "Description": "mlcost schedule pass",
                    "ScheduleExpression": every,
                    "State": "ENABLED",
                    "Targets": [
                        {"Arn": {"Fn::GetAtt": ["PassFunction", "Arn"]}, "Id": "mlcost-pass"}
                    ],
                },
            },
            "PassPermission": {
                "Type": "AWS::Lambda::Permission",
                "Properties": {
                    "Action": "lambda:InvokeFunction",
                    "FunctionName": {"Ref": "PassFunction"},
                    "Principal": "events.amazonaws.com",
                    "SourceArn": {"Fn::GetAtt": ["PassRule", "Arn"]},
                },
            },
        },
        "Outputs": {
            "FunctionName": {"Value": {"Ref": "PassFunction"}},
            "RoleArn": {"Value": {"Fn::GetAtt": ["PassRole", "Arn"]}},
        },
    }
