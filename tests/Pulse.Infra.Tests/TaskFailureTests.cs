using System.Text.Json;
using Amazon.CDK.Assertions;
using Pulse.Infra.Constructs;
using Pulse.Infra.Tests.Support;
using Pulse.Testing;

namespace Pulse.Infra.Tests;

/// <summary>ECS task-failure detection with EventBridge, with its metric filter counting both stop codes.</summary>
[Collection(SynthesizedAppGroup.Name)]
public sealed class TaskFailureTests(SynthesizedApp app)
{
    /// <summary>An <c>ECS Task State Change</c> event as EventBridge delivers it (shape from the ECS event docs).</summary>
    private static string TaskEvent(string clusterArn, string lastStatus, string? stopCode) => $$"""
        {
          "version": "0",
          "id": "3317b2af-7005-947d-b652-f55e762e571a",
          "detail-type": "ECS Task State Change",
          "source": "aws.ecs",
          "account": "123456789012",
          "time": "2026-11-20T10:00:00Z",
          "region": "eu-central-1",
          "resources": ["arn:aws:ecs:eu-central-1:123456789012:task/pulse/0123456789abcdef"],
          "detail": {
            "clusterArn": "{{clusterArn}}",
            "taskArn": "arn:aws:ecs:eu-central-1:123456789012:task/pulse/0123456789abcdef",
            "lastStatus": "{{lastStatus}}",
            "desiredStatus": "STOPPED",
            {{(stopCode is null ? string.Empty : $"\"stopCode\": \"{stopCode}\",")}}
            "stoppedReason": "Essential container in task exited",
            "containers": [{ "name": "api", "lastStatus": "STOPPED", "exitCode": 139 }]
          }
        }
        """;

    private string ClusterArn(string env) => $"${{{app.Resources($"Pulse-{env}-Service", "AWS::ECS::Cluster").Single().Id}.Arn}}";

    private (string Id, JsonElement Resource) TaskFailureRule(string env) =>
        app.Resources($"Pulse-{env}-Service", "AWS::Events::Rule").Single(r => r.Id.StartsWith("TaskFailuresRule", StringComparison.Ordinal));

    /// <summary>An ECS event sample (tests/Pulse.Infra.Tests/Samples) with this stack's cluster ARN where the sample has its placeholder.</summary>
    internal static string Sample(string name, string placeholder, string value) =>
        File.ReadAllText(Repository.Path("tests", "Pulse.Infra.Tests", "Samples", name + ".json")).Replace(placeholder, value, StringComparison.Ordinal);

    [RequiresToolsTheory("node")]
    [InlineData("dev")]
    [InlineData("prod")]
    public void RuleSendsThisClustersFailedTasksToAnEventsLogGroup(string env)
    {
        var stack = $"Pulse-{env}-Service";
        var (clusterId, _) = app.Resources(stack, "AWS::ECS::Cluster").Single();
        var (logId, _) = app.Resources(stack, "AWS::Logs::LogGroup").Single(g => g.Id.StartsWith("TaskFailuresEvents", StringComparison.Ordinal));

        app.Template(stack).HasResourceProperties("AWS::Events::Rule", new Dictionary<string, object>
        {
            ["State"] = "ENABLED",
            ["EventPattern"] = new Dictionary<string, object>
            {
                ["source"] = new[] { "aws.ecs" },
                ["detail-type"] = new[] { "ECS Task State Change" },
                ["detail"] = new Dictionary<string, object>
                {
                    ["clusterArn"] = new object[] { new Dictionary<string, object> { ["Fn::GetAtt"] = new[] { clusterId, "Arn" } } },
                    ["lastStatus"] = new[] { "STOPPED" },
                    ["stopCode"] = new[] { "TaskFailedToStart", "EssentialContainerExited" },
                },
            },
        });
        app.Template(stack).HasResourceProperties("AWS::Logs::LogGroup", new Dictionary<string, object>
        {
            ["LogGroupName"] = $"/aws/events/pulse-{env}-ecs-task-failures",
            ["RetentionInDays"] = app.Environment(env).Settings.LogRetentionDays,
        });

        // The target is the group's ARN without the ":*" that Fn::GetAtt Arn ends with: with it the rule
        // deploys but delivers nothing.
        var target = Assert.Single(TaskFailureRule(env).Resource.Prop("Targets").EnumerateArray());
        Assert.Equal($"arn:${{Ref:AWS::Partition}}:logs:eu-central-1:${{Ref:AWS::AccountId}}:log-group:${{Ref:{logId}}}", Cfn.Flatten(target.GetProperty("Arn")));

        // EventBridge may write into the environment's /aws/events groups: one resource policy for the events service.
        var (policyId, policyResource) = app.Resources(stack, "AWS::Logs::ResourcePolicy").Single();
        using var document = JsonDocument.Parse(Cfn.Flatten(policyResource.Prop("PolicyDocument")));
        var statement = Assert.Single(document.RootElement.GetProperty("Statement").EnumerateArray());
        Assert.Contains("events.amazonaws.com", statement.GetProperty("Principal").GetProperty("Service").Strings());
        Assert.Equal($"arn:${{Ref:AWS::Partition}}:logs:eu-central-1:${{Ref:AWS::AccountId}}:log-group:/aws/events/pulse-{env}-*:*", statement.GetProperty("Resource").GetString());
        Assert.Contains(policyId, TaskFailureRule(env).Resource.GetProperty("DependsOn").Strings());
    }

    [RequiresToolsTheory("node")]
    [InlineData("dev")]
    [InlineData("prod")]
    public void RealTaskStateChangeEventsMatchOnlyWhenThisClustersTaskFailed(string env)
    {
        var pattern = TaskFailureRule(env).Resource.Prop("EventPattern");
        var filter = app.Sole($"Pulse-{env}-Service", "AWS::Logs::MetricFilter").Prop("FilterPattern").GetString()!;
        var expected = new Dictionary<string, bool>
        {
            ["ecs-task-failed-to-start"] = true,
            ["ecs-essential-container-exited"] = true,
            ["ecs-service-scheduler-stop"] = false,
            ["ecs-other-cluster-container-exited"] = false,
            ["ecs-task-running"] = false,
        };

        foreach (var (sample, matches) in expected)
        {
            var taskEvent = Sample(sample, "{{clusterArn}}", ClusterArn(env));
            Assert.True(matches == EventPattern.Matches(pattern, taskEvent), $"{sample} should {(matches ? string.Empty : "not ")}match the rule");
            if (matches)
            {
                // What the rule delivers, the metric filter counts.
                Assert.True(LogFilterPattern.Matches(filter, taskEvent), $"{sample} should be counted");
            }
        }
    }

    [RequiresToolsTheory("node")]
    [InlineData("dev")]
    [InlineData("prod")]
    public void RulePatternMatchesBothStopCodesOfThisClusterOnly(string env)
    {
        var pattern = TaskFailureRule(env).Resource.Prop("EventPattern");
        var cluster = ClusterArn(env);

        Assert.True(EventPattern.Matches(pattern, TaskEvent(cluster, "STOPPED", "TaskFailedToStart")));
        Assert.True(EventPattern.Matches(pattern, TaskEvent(cluster, "STOPPED", "EssentialContainerExited")));
        Assert.False(EventPattern.Matches(pattern, TaskEvent(cluster, "STOPPED", "UserInitiated")));
        Assert.False(EventPattern.Matches(pattern, TaskEvent(cluster, "STOPPED", null)));
        Assert.False(EventPattern.Matches(pattern, TaskEvent("arn:aws:ecs:eu-central-1:123456789012:cluster/other", "STOPPED", "TaskFailedToStart")));
    }

    [RequiresToolsTheory("node")]
    [InlineData("dev")]
    [InlineData("prod")]
    public void MetricFilterCountsBothStopCodes(string env)
    {
        var filter = app.Sole($"Pulse-{env}-Service", "AWS::Logs::MetricFilter");
        var pattern = filter.Prop("FilterPattern").GetString()!;
        var cluster = ClusterArn(env);

        Assert.Equal("ecs-task-fail-count", filter.Prop("FilterName").GetString());
        Assert.True(LogFilterPattern.Matches(pattern, TaskEvent(cluster, "STOPPED", "TaskFailedToStart")));
        Assert.True(LogFilterPattern.Matches(pattern, TaskEvent(cluster, "STOPPED", "EssentialContainerExited")));
        Assert.False(LogFilterPattern.Matches(pattern, TaskEvent(cluster, "STOPPED", "UserInitiated")));

        var transformation = Assert.Single(filter.Prop("MetricTransformations").EnumerateArray());
        Assert.Equal(("ecs-task-fail-count", TaskFailureDetection.MetricNamespace, "1"), (transformation.GetProperty("MetricName").GetString(), transformation.GetProperty("MetricNamespace").GetString(), transformation.GetProperty("MetricValue").GetString()));
        var dimension = Assert.Single(transformation.GetProperty("Dimensions").EnumerateArray());
        Assert.Equal(("ClusterArn", "$.detail.clusterArn"), (dimension.GetProperty("Key").GetString(), dimension.GetProperty("Value").GetString()));
    }

    [RequiresToolsFact("node")]
    public void ASingleStopCodeFilterWouldMissExitedContainers()
    {
        // The evaluator used above tells the two apart: a filter on one stop code counts only half of what the rule delivers.
        const string singleCodeFilter = """{ $.detail.stopCode = "TaskFailedToStart" }""";
        var cluster = "arn:aws:ecs:eu-central-1:123456789012:cluster/pulse";

        Assert.True(LogFilterPattern.Matches(singleCodeFilter, TaskEvent(cluster, "STOPPED", "TaskFailedToStart")));
        Assert.False(LogFilterPattern.Matches(singleCodeFilter, TaskEvent(cluster, "STOPPED", "EssentialContainerExited")));
    }

    [RequiresToolsTheory("node")]
    [InlineData("prod")]
    [InlineData("shared")]
    public void TaskFailureAlarmWatchesTheSumOfTheFilterMetricForThisCluster(string env)
    {
        var stack = $"Pulse-{env}-Service";
        var (clusterId, _) = app.Resources(stack, "AWS::ECS::Cluster").Single();

        app.Template(stack).HasResourceProperties("AWS::CloudWatch::Alarm", new Dictionary<string, object>
        {
            ["Namespace"] = TaskFailureDetection.MetricNamespace,
            ["MetricName"] = "ecs-task-fail-count",
            ["Dimensions"] = new object[] { new Dictionary<string, object> { ["Name"] = "ClusterArn", ["Value"] = new Dictionary<string, object> { ["Fn::GetAtt"] = new[] { clusterId, "Arn" } } } },
            ["Statistic"] = "Sum",
            ["Threshold"] = 1,
            ["ComparisonOperator"] = "GreaterThanOrEqualToThreshold",
        });
    }

    [RequiresToolsTheory("node")]
    [InlineData("dev")]
    [InlineData("prod")]
    public void StoppedTasksQueryListsStopCodesAndReasons(string env)
    {
        var stack = $"Pulse-{env}-Service";
        var (logId, _) = app.Resources(stack, "AWS::Logs::LogGroup").Single(g => g.Id.StartsWith("TaskFailuresEvents", StringComparison.Ordinal));

        app.Template(stack).HasResourceProperties("AWS::Logs::QueryDefinition", new Dictionary<string, object>
        {
            ["Name"] = $"pulse-{env}/stopped-tasks",
            ["LogGroupNames"] = new object[] { new Dictionary<string, object> { ["Ref"] = logId } },
            ["QueryString"] = Match.StringLikeRegexp(@"^fields @timestamp, .*detail\.stopCode as stopCode, detail\.stoppedReason as stoppedReason.*\n\| sort @timestamp desc\n\| limit \d+$"),
        });
    }

    [RequiresToolsTheory("node")]
    [InlineData("prod")]
    [InlineData("shared")]
    public void AnAlarmFiresWhenEventBridgeCannotDeliverTaskFailureEvents(string env)
    {
        var (ruleId, _) = TaskFailureRule(env);

        app.Template($"Pulse-{env}-Service").HasResourceProperties("AWS::CloudWatch::Alarm", new Dictionary<string, object>
        {
            ["AlarmName"] = $"pulse-{env}-ecs-task-fail-undelivered",
            ["Namespace"] = "AWS/Events",
            ["MetricName"] = "FailedInvocations",
            ["Dimensions"] = new object[] { new Dictionary<string, object> { ["Name"] = "RuleName", ["Value"] = new Dictionary<string, object> { ["Ref"] = ruleId } } },
            ["Statistic"] = "Sum",
            ["Threshold"] = 1,
            ["ComparisonOperator"] = "GreaterThanOrEqualToThreshold",
        });
    }
}
