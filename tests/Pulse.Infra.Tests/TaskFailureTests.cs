using System.Text.Json;
using Amazon.CDK.Assertions;
using Pulse.Infra.Constructs;
using Pulse.Infra.Tests.Support;
using Pulse.Testing;

namespace Pulse.Infra.Tests;

/// <summary>Seed 003's task-failure detection, with its metric filter counting both stop codes.</summary>
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
            ["Targets"] = new object[] { Match.ObjectLike(new Dictionary<string, object> { ["Arn"] = new Dictionary<string, object> { ["Fn::GetAtt"] = new[] { logId, "Arn" } } }) },
        });
        app.Template(stack).HasResourceProperties("AWS::Logs::LogGroup", new Dictionary<string, object>
        {
            ["LogGroupName"] = $"/aws/events/pulse-{env}-ecs-task-failures",
            ["RetentionInDays"] = app.Environment(env).Settings.LogRetentionDays,
        });

        // EventBridge may write into the group: a resource policy for the events service on exactly this group.
        var policy = Cfn.Flatten(app.Sole(stack, "AWS::Logs::ResourcePolicy").Prop("PolicyDocument"));
        using var document = JsonDocument.Parse(policy);
        var statement = Assert.Single(document.RootElement.GetProperty("Statement").EnumerateArray());
        Assert.Contains("events.amazonaws.com", statement.GetProperty("Principal").GetProperty("Service").Strings());
        Assert.Equal($"${{{logId}.Arn}}", statement.GetProperty("Resource").GetString());
    }

    [RequiresToolsTheory("node")]
    [InlineData("dev")]
    [InlineData("prod")]
    public void RulePatternMatchesBothStopCodesOfThisClusterOnly(string env)
    {
        var pattern = app.Sole($"Pulse-{env}-Service", "AWS::Events::Rule").Prop("EventPattern");
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
    public void TheSeedsSingleStopCodeFilterWouldMissExitedContainers()
    {
        // The evaluator used above tells the two apart: seed 003's filter counts only one of the rule's stop codes.
        const string seedFilter = """{ $.detail.stopCode = "TaskFailedToStart" }""";
        var cluster = "arn:aws:ecs:eu-central-1:123456789012:cluster/pulse";

        Assert.True(LogFilterPattern.Matches(seedFilter, TaskEvent(cluster, "STOPPED", "TaskFailedToStart")));
        Assert.False(LogFilterPattern.Matches(seedFilter, TaskEvent(cluster, "STOPPED", "EssentialContainerExited")));
    }

    [RequiresToolsTheory("node")]
    [InlineData("dev")]
    [InlineData("prod")]
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
}
