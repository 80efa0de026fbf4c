using System.Text.Json;
using Amazon.CDK.Assertions;
using Pulse.Infra.Constructs;
using Pulse.Infra.Tests.Support;
using Pulse.Telemetry;
using Pulse.Testing;

namespace Pulse.Infra.Tests;

[Collection(SynthesizedAppGroup.Name)]
public sealed class ObservabilityTests(SynthesizedApp app)
{
    private static Dictionary<string, object> Props(params (string Key, object Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => p.Value);

    /// <summary>The dashboard's widgets, from its body with tokens replaced by placeholders.</summary>
    private List<JsonElement> Widgets(string env)
    {
        var body = Cfn.Flatten(app.Sole($"Pulse-{env}-Service", "AWS::CloudWatch::Dashboard").Prop("DashboardBody"));
        using var document = JsonDocument.Parse(body);
        return document.RootElement.GetProperty("widgets").EnumerateArray().Select(w => w.Clone()).ToList();
    }

    private static string Title(JsonElement widget) =>
        widget.GetProperty("properties").TryGetProperty("title", out var title) ? title.GetString()! : string.Empty;

    /// <summary>Each metric line of a graph widget as "Namespace|Name|dim=value...|stat".</summary>
    private static List<string> Lines(JsonElement widget) =>
        widget.GetProperty("properties").GetProperty("metrics").EnumerateArray().Select(line =>
        {
            var parts = line.EnumerateArray().ToList();
            var options = parts[^1].ValueKind == JsonValueKind.Object ? parts[^1] : default;
            var names = parts.Where(p => p.ValueKind == JsonValueKind.String).Select(p => p.GetString()).ToList();
            // A line without "stat" uses the dashboard default, Average.
            var stat = options.ValueKind == JsonValueKind.Object && options.TryGetProperty("stat", out var s) ? s.GetString() : "Average";
            var expression = options.ValueKind == JsonValueKind.Object && options.TryGetProperty("expression", out var e) ? e.GetString() : null;
            return expression ?? string.Join('|', names) + "|" + stat;
        }).ToList();

    [RequiresToolsTheory("node")]
    [InlineData("shared")]
    [InlineData("prod")]
    public void DashboardHasTheServicesEmfWidgetsAtTheServiceDimension(string env)
    {
        var widgets = Widgets(env);
        var service = $"Service|pulse-api-{env}";
        var ns = EmfMetrics.DefaultNamespace;
        List<string> Graph(string title) => Lines(widgets.Single(w => Title(w) == title));

        Assert.Equal([$"{ns}|RequestCount|{service}|Sum"], Graph("Request Count"));
        Assert.Equal([$"{ns}|RequestLatencyMs|{service}|Average", $"{ns}|RequestLatencyMs|{service}|p99"], Graph("Request Latency (ms)"));
        Assert.Contains($"{ns}|ErrorCount|{service}|Sum", Graph("Error Count"));
        Assert.Equal([$"{ns}|ActiveRequests|{service}|Maximum"], Graph("Active Requests"));
        Assert.Equal(
            [$"SEARCH('{{Pulse/App,Service,Endpoint}} MetricName=\"EndpointInvocations\" Service=\"pulse-api-{env}\"', 'Sum', 60)"],
            Graph("Endpoint Invocations"));
    }

    [RequiresToolsTheory("node")]
    [InlineData("shared")]
    [InlineData("prod")]
    public void DashboardAlsoShowsTheLoadBalancerEcsAndAlarms(string env)
    {
        var widgets = Widgets(env);
        var lines = widgets.Where(w => w.GetProperty("properties").TryGetProperty("metrics", out _)).SelectMany(Lines).ToList();

        foreach (var metric in new[] { "AWS/ApplicationELB|RequestCount", "AWS/ApplicationELB|TargetResponseTime", "AWS/ApplicationELB|HTTPCode_Target_5XX_Count", "AWS/ApplicationELB|UnHealthyHostCount", "AWS/ECS|CPUUtilization", "AWS/ECS|MemoryUtilization", "ECS/ContainerInsights|RunningTaskCount", "ECS/ContainerInsights|DesiredTaskCount", "Pulse/ECS|ecs-task-fail-count" })
        {
            Assert.Contains(lines, l => l.StartsWith(metric + "|", StringComparison.Ordinal));
        }

        // The service's alarms in one widget; the SLO burn-rate windows only through their composites, in another.
        var alarms = widgets.Single(w => Title(w) == "Alarms").GetProperty("properties").GetProperty("alarms");
        Assert.Equal(app.Resources($"Pulse-{env}-Service", "AWS::CloudWatch::Alarm").Count(a => !IsSloAlarm(env, a.Resource)), alarms.GetArrayLength());
        var slo = widgets.Single(w => Title(w) == "Service level objectives").GetProperty("properties").GetProperty("alarms");
        Assert.Equal(app.Resources($"Pulse-{env}-Service", "AWS::CloudWatch::CompositeAlarm").Count(), slo.GetArrayLength());
    }

    [RequiresToolsFact("node")]
    public void EndpointInvocationsSearchReadsTheEndpointDimensionSetTheServiceEmits()
    {
        var search = Monitoring.EndpointInvocationsSearch(app.Environment("dev").Settings);
        var schema = search[(search.IndexOf('{', StringComparison.Ordinal) + 1)..search.IndexOf('}', StringComparison.Ordinal)].Split(',');

        Assert.Equal(EmfMetrics.DefaultNamespace, schema[0]);
        Assert.True(EmfMetrics.IsEmitted(EmfMetrics.Names.EndpointInvocations, schema[1..]));
    }

    [RequiresToolsTheory("node")]
    [InlineData("shared")]
    [InlineData("prod")]
    public void EveryAlarmNotifiesTheEncryptedTopic(string env)
    {
        var stack = $"Pulse-{env}-Service";
        var topics = app.Resources(stack, "AWS::SNS::Topic").ToDictionary(t => t.Resource.Prop("TopicName").GetString()!, t => (t.Id, t.Resource));
        var (topicId, topic) = topics[$"pulse-{env}-alarms"];
        var (pageTopicId, pageTopic) = topics[$"pulse-{env}-page"];
        var (keyId, key) = app.Resources(stack, "AWS::KMS::Key").Single();

        Assert.Equal(2, topics.Count);
        Assert.Equal(keyId, Cfn.ReferencedId(topic.Prop("KmsMasterKeyId")));
        Assert.Equal(keyId, Cfn.ReferencedId(pageTopic.Prop("KmsMasterKeyId")));
        Assert.True(key.Prop("EnableKeyRotation").GetBoolean());
        Assert.Contains(
            key.Prop("KeyPolicy").GetProperty("Statement").EnumerateArray(),
            s => s.GetProperty("Principal").GetRawText().Contains("cloudwatch.amazonaws.com", StringComparison.Ordinal)
                && s.GetProperty("Action").GetRawText().Contains("kms:GenerateDataKey*", StringComparison.Ordinal));
        app.Template(stack).HasResourceProperties("AWS::SNS::TopicPolicy", Props(("PolicyDocument", Match.ObjectLike(Props(("Statement", Match.ArrayWith(new object[]
        {
            Match.ObjectLike(Props(("Effect", "Allow"), ("Principal", Props(("Service", "cloudwatch.amazonaws.com"))), ("Action", "sns:Publish"))),
            Match.ObjectLike(Props(("Effect", "Deny"), ("Condition", Props(("Bool", Props(("aws:SecureTransport", "false"))))))),
        })))))));

        // The SLO burn-rate windows notify through their composites (ServiceLevelObjectiveTests).
        var alarms = app.Resources(stack, "AWS::CloudWatch::Alarm").Where(a => !IsSloAlarm(env, a.Resource)).ToList();
        Assert.Equal(11, alarms.Count);
        var paging = new[] { "http-5xx-rate", "latency-p99", "tasks-below-desired", "rotation-redeploy-failed" }.Select(n => $"pulse-{env}-{n}").ToHashSet();
        Assert.All(alarms, a =>
        {
            // Every alarm notifies the team's topic; the paging ones the on-call topic too, on ALARM and on OK.
            var expected = paging.Contains(a.Resource.Prop("AlarmName").GetString()!) ? new[] { topicId, pageTopicId } : [topicId];
            Assert.Equal(expected.Order(), a.Resource.Prop("AlarmActions").EnumerateArray().Select(x => Cfn.ReferencedId(x)!).Order());
            Assert.Equal(expected.Order(), a.Resource.Prop("OKActions").EnumerateArray().Select(x => Cfn.ReferencedId(x)!).Order());
        });
        Assert.Equal(4, alarms.Count(a => paging.Contains(a.Resource.Prop("AlarmName").GetString()!)));
    }

    [RequiresToolsFact("node")]
    public void DevelopmentHasNoAlarmsTopicsOrDashboardButKeepsItsQueries()
    {
        var template = app.Template("Pulse-dev-Service");

        template.ResourceCountIs("AWS::CloudWatch::Alarm", 0);
        template.ResourceCountIs("AWS::SNS::Topic", 0);
        template.ResourceCountIs("AWS::CloudWatch::Dashboard", 0);
        Assert.False(app.Json("Pulse-dev-Service").GetProperty("Outputs").TryGetProperty("DashboardName", out _));
        Assert.Equal(3, app.Resources("Pulse-dev-Service", "AWS::Logs::QueryDefinition").Count());
    }

    [RequiresToolsFact("node")]
    public void AlarmEmailIsSubscribedOnlyWhereConfigured()
    {
        var subscriptions = app.Resources("Pulse-prod-Service", "AWS::SNS::Subscription")
            .ToDictionary(s => s.Resource.Prop("Endpoint").GetString()!, s => app.Resources("Pulse-prod-Service", "AWS::SNS::Topic").Single(t => t.Id == Cfn.ReferencedId(s.Resource.Prop("TopicArn"))).Resource.Prop("TopicName").GetString());

        Assert.Equal(new Dictionary<string, string?> { [SynthesizedApp.AlarmEmail] = "pulse-prod-alarms", [SynthesizedApp.PageEmail] = "pulse-prod-page" }, subscriptions);
        app.Template("Pulse-shared-Service").ResourceCountIs("AWS::SNS::Subscription", 0);
    }

    [RequiresToolsTheory("node")]
    [InlineData("shared")]
    [InlineData("prod")]
    public void ErrorCountAlarmKeepsItsMeaningResponsesOf400AndAboveAtLeastFiveInTwoMinutes(string env)
    {
        app.Template($"Pulse-{env}-Service").HasResourceProperties("AWS::CloudWatch::Alarm", Props(
            ("Namespace", EmfMetrics.DefaultNamespace),
            ("MetricName", EmfMetrics.Names.ErrorCount),
            ("Dimensions", new object[] { Props(("Name", "Service"), ("Value", $"pulse-api-{env}")) }),
            ("Statistic", "Sum"),
            ("Period", 120),
            ("EvaluationPeriods", 1),
            ("Threshold", 5),
            ("ComparisonOperator", "GreaterThanOrEqualToThreshold"),
            ("TreatMissingData", "notBreaching")));
    }

    [RequiresToolsTheory("node")]
    [InlineData("shared")]
    [InlineData("prod")]
    public void AlarmsCoverFiveHundredsLatencyCpuMemoryAndUnhealthyTargets(string env)
    {
        var template = app.Template($"Pulse-{env}-Service");

        static object Query(string metricName) => Match.ObjectLike(Props(("MetricStat", Match.ObjectLike(Props(
            ("Metric", Match.ObjectLike(Props(("Namespace", "AWS/ApplicationELB"), ("MetricName", metricName)))),
            ("Stat", "Sum"),
            ("Period", 60))))));
        template.HasResourceProperties("AWS::CloudWatch::Alarm", Props(
            ("AlarmName", $"pulse-{env}-http-5xx-rate"),
            ("Threshold", 5),
            ("ComparisonOperator", "GreaterThanThreshold"),
            ("EvaluationPeriods", 3),
            ("Metrics", Match.ArrayWith(new[] { Query("RequestCount"), Query("HTTPCode_Target_5XX_Count"), Query("HTTPCode_ELB_5XX_Count") }))));
        template.HasResourceProperties("AWS::CloudWatch::Alarm", Props(
            ("Namespace", EmfMetrics.DefaultNamespace), ("MetricName", EmfMetrics.Names.RequestLatencyMs), ("ExtendedStatistic", "p99"),
            ("Threshold", 2000), ("ComparisonOperator", "GreaterThanThreshold")));
        foreach (var metric in new[] { "CPUUtilization", "MemoryUtilization" })
        {
            template.HasResourceProperties("AWS::CloudWatch::Alarm", Props(
                ("Namespace", "AWS/ECS"), ("MetricName", metric), ("Statistic", "Average"), ("Threshold", 80), ("ComparisonOperator", "GreaterThanThreshold")));
        }

        template.HasResourceProperties("AWS::CloudWatch::Alarm", Props(
            ("Namespace", "AWS/ApplicationELB"), ("MetricName", "UnHealthyHostCount"), ("Statistic", "Maximum"),
            ("Threshold", 1), ("ComparisonOperator", "GreaterThanOrEqualToThreshold"), ("EvaluationPeriods", 3)));
    }

    [RequiresToolsTheory("node")]
    [InlineData("shared")]
    [InlineData("prod")]
    public void RunningBelowDesiredAlarmToleratesDeployments(string env)
    {
        var alarm = app.Resources($"Pulse-{env}-Service", "AWS::CloudWatch::Alarm").Single(a => a.Id.Contains("TasksBelowDesired", StringComparison.Ordinal)).Resource;
        var metrics = alarm.Prop("Metrics").EnumerateArray().ToList();

        Assert.Equal("FILL(desired, 0) - FILL(running, 0)", metrics.Single(m => m.TryGetProperty("Expression", out _)).GetProperty("Expression").GetString());
        var stats = metrics.Where(m => m.TryGetProperty("MetricStat", out _)).Select(m => m.GetProperty("MetricStat").GetProperty("Metric")).ToList();
        Assert.Equal(["DesiredTaskCount", "RunningTaskCount"], stats.Select(s => s.GetProperty("MetricName").GetString()).Order());
        Assert.All(stats, s => Assert.Equal("ECS/ContainerInsights", s.GetProperty("Namespace").GetString()));
        // A rolling deployment or a Spot replacement recovers within minutes; ten in a row do not pass by.
        Assert.True(alarm.Prop("EvaluationPeriods").GetInt32() >= 5);
        Assert.Equal(alarm.Prop("EvaluationPeriods").GetInt32(), alarm.Prop("DatapointsToAlarm").GetInt32());
    }

    /// <summary>An SLO burn-rate window alarm (<c>pulse-&lt;env&gt;-slo-...</c>), built from the SLO alarm plan.</summary>
    internal static bool IsSloAlarm(string env, JsonElement alarm) =>
        alarm.Prop("AlarmName").GetString()!.StartsWith($"pulse-{env}-slo-", StringComparison.Ordinal);

    /// <summary>
    /// An alarm on a dimension set the service never emits can never fire. Every alarm on the EMF namespace
    /// must read a metric at an emitted set.
    /// </summary>
    [RequiresToolsFact("node")]
    public void EveryAlarmOnTheEmfNamespaceReadsADimensionSetTheServiceEmits()
    {
        var checkedAlarms = 0;
        var checkedSloReads = 0;
        foreach (var environment in app.Environments)
        {
            var stack = environment.Service.StackName;
            var taskEnvironment = app.Sole(stack, "AWS::ECS::TaskDefinition").Prop("ContainerDefinitions")[0].GetProperty("Environment").NameValues();
            foreach (var (id, alarm) in app.Resources(stack, "AWS::CloudWatch::Alarm"))
            {
                foreach (var metric in AlarmMetrics(alarm).Where(m => m.GetProperty("Namespace").GetString() == taskEnvironment[EmfMetrics.NamespaceVariable]))
                {
                    var name = metric.GetProperty("MetricName").GetString()!;
                    var dimensions = metric.GetProperty("Dimensions").EnumerateArray().ToDictionary(d => d.GetProperty("Name").GetString()!, d => Cfn.Flatten(d.GetProperty("Value")));
                    Assert.True(EmfMetrics.IsEmitted(name, dimensions.Keys), $"{stack}/{id} reads {name} at [{string.Join(", ", dimensions.Keys)}], which the service never emits");
                    Assert.Equal(taskEnvironment[EmfMetrics.ServiceNameVariable], dimensions[EmfMetrics.Dimensions.Service]);
                    _ = IsSloAlarm(environment.Settings.Name, alarm) ? checkedSloReads++ : checkedAlarms++;
                }
            }
        }

        // ErrorCount and p99 latency in each environment with alarms (prod and shared; dev has none), and every
        // metric the SLO alarm plan reads, in both.
        Assert.Equal(4, checkedAlarms);
        var planReads = Pulse.Infra.Constructs.ServiceLevelObjectives.CommittedPlan.Objectives
            .SelectMany(o => o.Alarms).SelectMany(a => a.Metrics).Count(q => q.MetricStat is not null);
        Assert.True(planReads > 0);
        Assert.Equal(2 * planReads, checkedSloReads);
        Assert.False(EmfMetrics.IsEmitted(EmfMetrics.Names.ActiveRequests, [EmfMetrics.Dimensions.Service, EmfMetrics.Dimensions.Endpoint]));
    }

    private static IEnumerable<JsonElement> AlarmMetrics(JsonElement alarm)
    {
        var properties = alarm.GetProperty("Properties");
        if (properties.TryGetProperty("MetricName", out _))
        {
            yield return properties;
        }

        if (properties.TryGetProperty("Metrics", out var metrics))
        {
            foreach (var query in metrics.EnumerateArray().Where(m => m.TryGetProperty("MetricStat", out _)))
            {
                yield return query.GetProperty("MetricStat").GetProperty("Metric");
            }
        }
    }

    [RequiresToolsTheory("node")]
    [InlineData("dev")]
    [InlineData("prod")]
    public void LogsInsightsQueriesCoverTheServicesEmfDocuments(string env)
    {
        var stack = $"Pulse-{env}-Service";
        var (appLogsId, _) = app.Resources(stack, "AWS::Logs::LogGroup").Single(g => g.Id.StartsWith("AppLogs", StringComparison.Ordinal));
        var queries = app.Resources(stack, "AWS::Logs::QueryDefinition").Select(q => q.Resource)
            .Where(q => q.Prop("LogGroupNames").EnumerateArray().Any(g => Cfn.ReferencedId(g) == appLogsId))
            .Select(q => q.Prop("QueryString").GetString()!)
            .ToList();

        Assert.Contains(queries, q => q.Contains("filter ispresent(_aws.CloudWatchMetrics.0.Namespace)", StringComparison.Ordinal) && q.Contains("ErrorCount", StringComparison.Ordinal));
        Assert.Contains(queries, q => q.Contains("stats sum(ErrorCount) as errors by Endpoint", StringComparison.Ordinal));
    }

    [RequiresToolsTheory("node")]
    [InlineData("prod")]
    [InlineData("shared")]
    public void TheFiveHundredsRateIsAShareOfRequestsJudgedOnlyWithEnoughTraffic(string env)
    {
        var alarm = app.Resources($"Pulse-{env}-Service", "AWS::CloudWatch::Alarm").Single(a => a.Resource.Prop("AlarmName").GetString() == $"pulse-{env}-http-5xx-rate").Resource;
        var expression = alarm.Prop("Metrics").EnumerateArray().Single(m => m.TryGetProperty("Expression", out _)).GetProperty("Expression").GetString()!;

        // Evaluate the alarm's expression for one minute of traffic, the way CloudWatch metric math would.
        static double Rate(double requests, double target5xx, double elb5xx) =>
            requests + elb5xx >= Monitoring.MinimumRequestsForRate ? 100 * (target5xx + elb5xx) / (requests + elb5xx) : 0;
        Assert.Equal(
            $"IF((FILL(requests, 0) + FILL(elb5xx, 0)) >= {Monitoring.MinimumRequestsForRate}, 100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / (FILL(requests, 0) + FILL(elb5xx, 0)), 0)",
            expression);
        Assert.True(Rate(100, 6, 0) > alarm.Prop("Threshold").GetDouble());
        Assert.True(Rate(100, 4, 0) <= alarm.Prop("Threshold").GetDouble());
        Assert.True(Rate(0, 0, 30) > alarm.Prop("Threshold").GetDouble());
        Assert.True(Rate(5, 3, 0) <= alarm.Prop("Threshold").GetDouble());
    }
}
