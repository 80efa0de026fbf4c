using System.Text.Json;
using Amazon.CDK;
using Amazon.CDK.Assertions;
using Regex = System.Text.RegularExpressions.Regex;
using Pulse.Infra.Constructs;
using Pulse.Infra.Tests.Support;
using Pulse.Slo.CloudWatch;
using Pulse.Telemetry;
using Pulse.Testing;

namespace Pulse.Infra.Tests;

/// <summary>
/// The SLO burn-rate alarms and their composites on CloudWatch, against the committed alarm plan
/// (deploy/slo/generated/cloudwatch-alarms.json) and against the values the objectives stand for.
/// </summary>
[Collection(SynthesizedAppGroup.Name)]
public sealed partial class ServiceLevelObjectiveTests(SynthesizedApp app)
{
    /// <summary>PutCompositeAlarm: an AlarmRule is at most 10,240 characters.</summary>
    private const int MaxAlarmRuleLength = 10240;

    /// <summary>The plan as committed in the repository (not the copy beside the app).</summary>
    private static AlarmPlan CommittedPlan { get; } = AlarmPlan.Load(Repository.Path("deploy", "slo", "generated", "cloudwatch-alarms.json"));

    private static Dictionary<string, object> Props(params (string Key, object Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => p.Value);

    private Dictionary<string, (string Id, JsonElement Resource)> ByName(string stack, string type) =>
        app.Resources(stack, type).ToDictionary(r => r.Resource.Prop("AlarmName").GetString()!, r => r);

    private Dictionary<string, string> TaskEnvironment(string stack) =>
        app.Sole(stack, "AWS::ECS::TaskDefinition").Prop("ContainerDefinitions")[0].GetProperty("Environment").NameValues();

    [RequiresToolsFact("node")]
    public void TheAppReadsTheCommittedPlan()
    {
        Assert.Equal(
            File.ReadAllText(Repository.Path("deploy", "slo", "generated", "cloudwatch-alarms.json")),
            File.ReadAllText(ServiceLevelObjectives.CommittedPlanPath));
        Assert.NotEmpty(CommittedPlan.Objectives);
    }

    /// <summary>
    /// Drift, both ways: every window of every objective in the committed plan is an alarm whose metric math is
    /// the plan's, field by field, and the stack has no SLO alarm the plan lacks.
    /// </summary>
    [RequiresToolsTheory("node")]
    [InlineData("prod")]
    [InlineData("shared")]
    public void EveryWindowOfTheCommittedPlanIsAnAlarmWithExactlyThePlannedMetricMath(string env)
    {
        var stack = $"Pulse-{env}-Service";
        var taskEnvironment = TaskEnvironment(stack);
        var alarms = ByName(stack, "AWS::CloudWatch::Alarm");
        var planned = CommittedPlan.Objectives.SelectMany(o => o.Alarms).ToList();

        Assert.Equal(
            planned.Select(a => $"pulse-{env}-slo-{a.Id}").Order(),
            alarms.Keys.Where(n => n.StartsWith($"pulse-{env}-slo-", StringComparison.Ordinal)).Order());
        foreach (var window in planned)
        {
            var alarm = alarms[$"pulse-{env}-slo-{window.Id}"].Resource;
            Assert.Equal(window.Description, alarm.Prop("AlarmDescription").GetString());
            Assert.Equal(window.Threshold, alarm.Prop("Threshold").GetDouble());
            Assert.Equal(window.ComparisonOperator, alarm.Prop("ComparisonOperator").GetString());
            Assert.Equal(window.EvaluationPeriods, alarm.Prop("EvaluationPeriods").GetInt32());
            Assert.Equal(window.DatapointsToAlarm, alarm.Prop("DatapointsToAlarm").GetInt32());
            Assert.Equal(window.TreatMissingData, alarm.Prop("TreatMissingData").GetString());
            // One window alone notifies nobody: only the composites have actions.
            Assert.All(new[] { "AlarmActions", "OKActions", "InsufficientDataActions" }, p => Assert.Equal(JsonValueKind.Undefined, alarm.Prop(p).ValueKind));

            var queries = alarm.Prop("Metrics").EnumerateArray().ToList();
            Assert.Equal(window.Metrics.Count, queries.Count);
            foreach (var (plannedQuery, query) in window.Metrics.Zip(queries))
            {
                Assert.Equal(plannedQuery.Id, query.GetProperty("Id").GetString());
                Assert.Equal(plannedQuery.ReturnData, query.GetProperty("ReturnData").GetBoolean());
                Assert.Equal(plannedQuery.Expression, query.TryGetProperty("Expression", out var e) ? e.GetString() : null);
                Assert.Equal(plannedQuery.Label, query.TryGetProperty("Label", out var l) ? l.GetString() : null);
                if (plannedQuery.MetricStat is not { } stat)
                {
                    Assert.False(query.TryGetProperty("MetricStat", out _));
                    continue;
                }

                var metricStat = query.GetProperty("MetricStat");
                var metric = metricStat.GetProperty("Metric");
                Assert.Equal(stat.Stat, metricStat.GetProperty("Stat").GetString());
                Assert.Equal(stat.Period, metricStat.GetProperty("Period").GetInt32());
                Assert.Equal(taskEnvironment[EmfMetrics.NamespaceVariable], metric.GetProperty("Namespace").GetString());
                Assert.Equal(stat.MetricName, metric.GetProperty("MetricName").GetString());
                var dimensions = metric.GetProperty("Dimensions").EnumerateArray().ToDictionary(d => d.GetProperty("Name").GetString()!, d => d.GetProperty("Value").GetString());
                Assert.Equal(stat.Dimensions.Order(), dimensions.Keys.Order());
                Assert.Equal(taskEnvironment[EmfMetrics.ServiceNameVariable], dimensions[CommittedPlan.ServiceDimension]);
                if (dimensions.TryGetValue(EmfMetrics.Dimensions.Endpoint, out var endpoint))
                {
                    Assert.Equal(stat.Endpoint, endpoint);
                }
            }
        }
    }

    /// <summary>The objectives in CloudWatch's terms, written out here rather than read from the plan.</summary>
    [RequiresToolsFact("node")]
    public void TheAlarmsMeasureTheObjectivesWithTheirStatisticsPeriodsExpressionsAndThresholds()
    {
        var template = app.Template("Pulse-prod-Service");
        static object Stat(string metric, string stat, int period, params (string Name, string Value)[] dimensions) =>
            Match.ObjectLike(Props(("MetricStat", Props(
                ("Metric", Props(
                    ("Namespace", "Pulse/App"),
                    ("MetricName", metric),
                    ("Dimensions", dimensions.Select(d => Props(("Name", d.Name), ("Value", d.Value))).ToArray()))),
                ("Stat", stat),
                ("Period", period)))));
        static object Expression(string expression) => Match.ObjectLike(Props(("Expression", expression), ("ReturnData", true)));

        // The SRE Workbook's windows and burn rates: page at 14.4x over 1 h and 5 min, 6x over 6 h and 30 min;
        // ticket at 3x over 1 day and 2 h, 1x over 3 days and 6 h.
        var windows = new (string Suffix, int Period, double Threshold)[]
        {
            ("page-1h", 3600, 14.4), ("page-5m", 300, 14.4), ("page-6h", 21600, 6), ("page-30m", 1800, 6),
            ("ticket-1d", 86400, 3), ("ticket-2h", 7200, 3), ("ticket-3d", 259200, 1), ("ticket-6h", 21600, 1),
        };
        var service = ("Service", "pulse-api-prod");
        foreach (var (suffix, period, threshold) in windows)
        {
            // Availability 99.9 %: 5xx among all requests, divided by the 0.1 % budget.
            template.HasResourceProperties("AWS::CloudWatch::Alarm", Props(
                ("AlarmName", $"pulse-prod-slo-availability-{suffix}"),
                ("Threshold", threshold),
                ("ComparisonOperator", "GreaterThanThreshold"),
                ("EvaluationPeriods", 1),
                ("DatapointsToAlarm", 1),
                ("TreatMissingData", "notBreaching"),
                ("Metrics", new[]
                {
                    Stat("RequestCount", "Sum", period, service),
                    Stat("ServerErrorCount", "Sum", period, service),
                    Expression("IF(requests > 0, server_errors / requests, 0) / 0.001"),
                })));
            // Latency 99 % within 300 ms: the share at or below 300 ms by percentile rank, against the 1 % budget.
            template.HasResourceProperties("AWS::CloudWatch::Alarm", Props(
                ("AlarmName", $"pulse-prod-slo-latency-{suffix}"),
                ("Threshold", threshold),
                ("Metrics", new[] { Stat("RequestLatencyMs", "PR(:300)", period, service), Expression("(100 - fast_percent) / 100 / 0.01") })));
            // One route within 100 ms, at the [Service, Endpoint] dimension set.
            template.HasResourceProperties("AWS::CloudWatch::Alarm", Props(
                ("AlarmName", $"pulse-prod-slo-product-item-latency-{suffix}"),
                ("Threshold", threshold),
                ("Metrics", new[] { Stat("RequestLatencyMs", "PR(:100)", period, service, ("Endpoint", "/products/{id}")), Expression("(100 - fast_percent) / 100 / 0.01") })));
        }
    }

    [RequiresToolsTheory("node")]
    [InlineData("prod")]
    [InlineData("shared")]
    public void EachCompositeFiresWhenBothWindowsOfAPairBurnAndPagesOnlyForAFastBurn(string env)
    {
        var stack = $"Pulse-{env}-Service";
        var alarms = ByName(stack, "AWS::CloudWatch::Alarm");
        var composites = ByName(stack, "AWS::CloudWatch::CompositeAlarm");
        var topics = app.Resources(stack, "AWS::SNS::Topic").ToDictionary(t => t.Resource.Prop("TopicName").GetString()!, t => t.Id);
        var planned = CommittedPlan.Objectives.SelectMany(o => o.Composites).ToList();

        Assert.Equal(planned.Select(c => $"pulse-{env}-slo-{c.Id}").Order(), composites.Keys.Order());
        Assert.Contains(planned, c => c.Severity == "page");
        Assert.Contains(planned, c => c.Severity == "ticket");
        foreach (var composite in planned)
        {
            var resource = composites[$"pulse-{env}-slo-{composite.Id}"].Resource;
            string Arn(string id) => $"${{{alarms[$"pulse-{env}-slo-{id}"].Id}.Arn}}";
            var expected = string.Join(" OR ", composite.AnyOf.Select(p => $"(ALARM(\"{Arn(p.LongWindow)}\") AND ALARM(\"{Arn(p.ShortWindow)}\"))"));

            Assert.Equal(expected, Cfn.Flatten(resource.Prop("AlarmRule")));
            Assert.Equal(composite.Description, resource.Prop("AlarmDescription").GetString());
            // Fast burns page on-call and inform the team; slow burns are the team's ticket. Both say when they end.
            Assert.Equal(composite.DeploymentGate, composite.Severity == "page");
            string[] notified = composite.Severity == "page" ? [topics[$"pulse-{env}-alarms"], topics[$"pulse-{env}-page"]] : [topics[$"pulse-{env}-alarms"]];
            Assert.Equal(notified.Order(), resource.Prop("AlarmActions").EnumerateArray().Select(a => Cfn.ReferencedId(a)!).Order());
            Assert.Equal(notified.Order(), resource.Prop("OKActions").EnumerateArray().Select(a => Cfn.ReferencedId(a)!).Order());
        }
    }

    /// <summary>
    /// The rule names its alarms by ARN, resolved only at deployment: with the longest ARN the region and a
    /// 12-digit account allow, every rule still fits PutCompositeAlarm's limit (which cfn-lint cannot check on a
    /// joined string).
    /// </summary>
    [RequiresToolsFact("node")]
    public void EveryCompositeRuleFitsCloudWatchsLimitOnceTheArnsAreResolved()
    {
        foreach (var environment in app.Environments.Where(e => e.Settings.Alarms))
        {
            var stack = environment.Service.StackName;
            var names = app.Resources(stack, "AWS::CloudWatch::Alarm").ToDictionary(a => a.Id, a => a.Resource.Prop("AlarmName").GetString()!);
            foreach (var (id, composite) in app.Resources(stack, "AWS::CloudWatch::CompositeAlarm"))
            {
                var rule = ArnPlaceholder().Replace(
                    Cfn.Flatten(composite.Prop("AlarmRule")),
                    m => $"arn:aws:cloudwatch:{environment.Settings.Region}:123456789012:alarm:{names[m.Groups[1].Value]}");

                Assert.DoesNotContain("${", rule, StringComparison.Ordinal);
                Assert.True(rule.Length <= MaxAlarmRuleLength, $"{stack}/{id}: rule of {rule.Length} characters");
            }
        }
    }

    [RequiresToolsTheory("node")]
    [InlineData("prod")]
    [InlineData("shared")]
    public void DeploymentsWatchEveryFastBurnCompositeWhichExistsBeforeTheService(string env)
    {
        var stack = $"Pulse-{env}-Service";
        var service = app.Sole(stack, "AWS::ECS::Service");
        var composites = ByName(stack, "AWS::CloudWatch::CompositeAlarm");
        var watched = service.Prop("DeploymentConfiguration").GetProperty("Alarms").GetProperty("AlarmNames").Strings();
        var dependsOn = service.GetProperty("DependsOn").Strings();

        foreach (var composite in CommittedPlan.Objectives.SelectMany(o => o.Composites))
        {
            var name = $"pulse-{env}-slo-{composite.Id}";
            Assert.Equal(composite.DeploymentGate, watched.Contains(name));
            // By name (a list of names cannot carry a reference), so the dependency is declared: the alarm the
            // first deployment watches is already there.
            Assert.Equal(composite.DeploymentGate, dependsOn.Contains(composites[name].Id));
        }

        Assert.Equal(CommittedPlan.Objectives.Count, CommittedPlan.Objectives.SelectMany(o => o.Composites).Count(c => c.DeploymentGate));
    }

    /// <summary>An alarm on a metric or dimension set the EMF exporter never writes would never fire.</summary>
    [RequiresToolsFact("node")]
    public void EveryMetricTheSloAlarmsReadIsOneTheEmfExporterWritesForThisService()
    {
        var dimensionSets = new HashSet<string>();
        foreach (var environment in app.Environments.Where(e => e.Settings.Alarms))
        {
            var stack = environment.Service.StackName;
            var taskEnvironment = TaskEnvironment(stack);
            foreach (var (id, alarm) in app.Resources(stack, "AWS::CloudWatch::Alarm").Where(a => ObservabilityTests.IsSloAlarm(environment.Settings.Name, a.Resource)))
            {
                foreach (var metric in alarm.Prop("Metrics").EnumerateArray().Where(q => q.TryGetProperty("MetricStat", out _)).Select(q => q.GetProperty("MetricStat").GetProperty("Metric")))
                {
                    var name = metric.GetProperty("MetricName").GetString()!;
                    var dimensions = metric.GetProperty("Dimensions").EnumerateArray().ToDictionary(d => d.GetProperty("Name").GetString()!, d => d.GetProperty("Value").GetString()!);

                    Assert.Equal(taskEnvironment[EmfMetrics.NamespaceVariable], metric.GetProperty("Namespace").GetString());
                    Assert.True(EmfMetrics.IsEmitted(name, dimensions.Keys), $"{stack}/{id} reads {name} at [{string.Join(", ", dimensions.Keys)}], which the service never emits");
                    Assert.Equal(taskEnvironment[EmfMetrics.ServiceNameVariable], dimensions[EmfMetrics.Dimensions.Service]);
                    dimensionSets.Add(string.Join(',', dimensions.Keys.Order()));
                }
            }
        }

        // Both sets the objectives use were checked: the service-wide one and one route's.
        Assert.Equal(["Endpoint,Service", "Service"], dimensionSets.Order());
    }

    [RequiresToolsFact("node")]
    public void DevelopmentWithoutAlarmsHasNoSloAlarmsAndNoDeploymentGate()
    {
        var template = app.Template("Pulse-dev-Service");

        template.ResourceCountIs("AWS::CloudWatch::CompositeAlarm", 0);
        template.ResourceCountIs("AWS::CloudWatch::Alarm", 0);
        Assert.Null(app.Environment("dev").Service.ServiceLevelObjectives);
    }

    [RequiresToolsTheory("node")]
    [InlineData("prod")]
    [InlineData("shared")]
    public void TheDashboardShowsEveryCompositeAndEachObjectivesErrorRatioAgainstItsBudget(string env)
    {
        var body = Cfn.Flatten(app.Sole($"Pulse-{env}-Service", "AWS::CloudWatch::Dashboard").Prop("DashboardBody"));
        using var document = JsonDocument.Parse(body);
        var widgets = document.RootElement.GetProperty("widgets").EnumerateArray().Select(w => w.GetProperty("properties")).ToList();
        var composites = app.Resources($"Pulse-{env}-Service", "AWS::CloudWatch::CompositeAlarm").Select(c => $"${{{c.Id}.Arn}}").Order();

        var status = widgets.Single(w => w.TryGetProperty("title", out var t) && t.GetString() == "Service level objectives");
        Assert.Equal(composites, status.GetProperty("alarms").EnumerateArray().Select(a => a.GetString()!).Order());
        foreach (var objective in CommittedPlan.Objectives)
        {
            var graph = widgets.Single(w => w.TryGetProperty("title", out var t) && t.GetString() == $"SLO {objective.Name}: error ratio per minute");
            var lines = graph.GetProperty("metrics").EnumerateArray().Select(l => l.EnumerateArray().Last()).ToList();
            var ratio = objective.Sli1m.Single(q => q.ReturnData);

            Assert.Contains(lines, l => l.TryGetProperty("expression", out var e) && e.GetString() == ratio.Expression);
            Assert.All(objective.Sli1m.Where(q => q.MetricStat is not null), q => Assert.Contains(lines, l =>
                l.TryGetProperty("id", out var i) && i.GetString() == q.Id && l.GetProperty("stat").GetString() == q.MetricStat!.Stat && l.GetProperty("period").GetInt32() == 60));
            Assert.Equal(objective.ErrorBudget, graph.GetProperty("annotations").GetProperty("horizontal")[0].GetProperty("value").GetDouble());
        }
    }

    /// <summary>
    /// Drift the other way round: the app maps whatever the plan holds. An objective added to the plan (as the
    /// generator writes it after a spec change) appears as eight window alarms, two composites and one more
    /// deployment gate; nothing is hard-wired to today's three objectives.
    /// </summary>
    [RequiresToolsFact("node")]
    public void AnObjectiveAddedToThePlanAppearsAsAlarmsCompositesAndADeploymentGate()
    {
        var latency = CommittedPlan.Objectives.Single(o => o.Name == "latency");
        static string Renamed(string id) => "checkout-" + id;
        var added = latency with
        {
            Name = "checkout-latency",
            Alarms = [.. latency.Alarms.Select(a => a with { Id = Renamed(a.Id) })],
            Composites = [.. latency.Composites.Select(c => c with { Id = Renamed(c.Id), AnyOf = [.. c.AnyOf.Select(p => new AlarmPair(Renamed(p.LongWindow), Renamed(p.ShortWindow)))] })],
        };
        var plan = CommittedPlan with { Objectives = [.. CommittedPlan.Objectives, added] };
        var settings = SynthesizedApp.Shared with { Name = "drift" };

        var cdkApp = new App(new AppProps { Context = FeatureFlags.All.ToDictionary(p => p.Key, p => p.Value), AnalyticsReporting = false });
        var environment = PulseApp.Build(cdkApp, [settings], plan).Single();
        var template = Template.FromStack(environment.Service);

        template.ResourceCountIs("AWS::CloudWatch::Alarm", 11 + (8 * plan.Objectives.Count));
        template.ResourceCountIs("AWS::CloudWatch::CompositeAlarm", 2 * plan.Objectives.Count);
        foreach (var window in added.Alarms)
        {
            template.HasResourceProperties("AWS::CloudWatch::Alarm", Props(("AlarmName", $"pulse-drift-slo-{window.Id}"), ("Threshold", window.Threshold)));
        }

        template.HasResourceProperties("AWS::ECS::Service", Props(("DeploymentConfiguration", Match.ObjectLike(Props(("Alarms", Match.ObjectLike(Props(
            ("AlarmNames", Match.ArrayWith(new object[] { "pulse-drift-slo-checkout-latency-fast-burn" }))))))))));
        Assert.Equal(plan.Objectives.Count, environment.Service.ServiceLevelObjectives!.DeploymentGates.Count);
    }

    [RequiresToolsFact("node")]
    public void APlanTheAppWouldMisreadStopsSynthesisNamingWhatIsWrong()
    {
        var objective = CommittedPlan.Objectives[0];
        var plan = CommittedPlan with
        {
            SchemaVersion = AlarmPlan.CurrentSchemaVersion + 1,
            Objectives =
            [
                objective with
                {
                    Composites = [objective.Composites[0] with { Severity = "email", AnyOf = [new AlarmPair("availability-page-2h", objective.Alarms[1].Id)] }],
                },
            ],
        };
        var cdkApp = new App(new AppProps { AnalyticsReporting = false });

        var error = Assert.Throws<InvalidDataException>(() => PulseApp.Build(cdkApp, [SynthesizedApp.Shared with { Name = "broken" }], plan));

        Assert.Contains($"schemaVersion is {AlarmPlan.CurrentSchemaVersion + 1}", error.Message, StringComparison.Ordinal);
        Assert.Contains("severity 'email' is neither page nor ticket", error.Message, StringComparison.Ordinal);
        Assert.Contains("pairs 'availability-page-2h', which is not an alarm of objective availability", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnreadablePlanNamesItsFileAndHowToRegenerateIt()
    {
        var missing = Path.Combine(Path.GetTempPath(), "pulse-no-plan-" + Guid.NewGuid().ToString("N"), "cloudwatch-alarms.json");

        var error = Assert.Throws<InvalidDataException>(() => ServiceLevelObjectives.Load(missing));

        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
        Assert.Contains("dotnet run --project src/Pulse.Slo -- generate", error.Message, StringComparison.Ordinal);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\$\{([A-Za-z0-9]+)\.Arn\}")]
    private static partial Regex ArnPlaceholder();
}
