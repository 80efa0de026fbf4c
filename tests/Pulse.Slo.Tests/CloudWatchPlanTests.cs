using System.Text.RegularExpressions;
using Pulse.Slo.CloudWatch;
using Pulse.Telemetry;
using Pulse.Testing;

namespace Pulse.Slo.Tests;

/// <summary>
/// The CloudWatch alarm plan (deploy/slo/generated/cloudwatch-alarms.json) checked against what the EMF
/// exporter writes and against CloudWatch's limits for alarms (PutMetricAlarm, PutCompositeAlarm).
/// </summary>
public sealed partial class CloudWatchPlanTests
{
    private static AlarmPlan Plan => AlarmPlan.Load(RepositoryRoot.Combine(SloGenerator.CloudWatchPath));

    private static IEnumerable<EmfMetricStat> MetricStats(ObjectiveAlarms objective) =>
        objective.Alarms.SelectMany(a => a.Metrics).Concat(objective.Sli1m).Select(q => q.MetricStat).OfType<EmfMetricStat>();

    [Fact]
    public void ThePlanHasEveryObjectiveOfTheSpecWithEightAlarmsAndAPageAndATicketComposite()
    {
        var plan = Plan;

        Assert.Equal(Specs.Shipped.Objectives.Select(o => o.Name), plan.Objectives.Select(o => o.Name));
        Assert.Equal(EmfMetrics.DefaultNamespace, plan.Namespace);
        Assert.Equal(EmfMetrics.Dimensions.Service, plan.ServiceDimension);
        Assert.All(plan.Objectives, o =>
        {
            Assert.Equal(8, o.Alarms.Count);
            Assert.Equal(["page", "ticket"], o.Composites.Select(c => c.Severity));
            Assert.Equal([true, false], o.Composites.Select(c => c.DeploymentGate));
        });
    }

    [Fact]
    public void EveryMetricAndDimensionSetTheAlarmsReadIsOneTheEmfExporterWrites()
    {
        foreach (var objective in Plan.Objectives)
        {
            foreach (var stat in MetricStats(objective))
            {
                Assert.True(EmfMetrics.IsEmitted(stat.MetricName, stat.Dimensions), $"{objective.Name}: {stat.MetricName} at [{string.Join(", ", stat.Dimensions)}]");
                Assert.Equal(stat.Dimensions.Contains(EmfMetrics.Dimensions.Endpoint), stat.Endpoint is not null);
                Assert.Contains(EmfMetrics.Dimensions.Service, stat.Dimensions);
            }
        }
    }

    [Fact]
    public void AvailabilityIsServerErrorsOverRequestsAndLatencyIsThePercentileRankOfTheThresholdInMilliseconds()
    {
        var plan = Plan;
        var availability = plan.Objectives.Single(o => o.Name == "availability");
        var item = plan.Objectives.Single(o => o.Name == "product-item-latency");

        Assert.All(availability.Alarms, a =>
        {
            Assert.Equal([EmfMetrics.Names.RequestCount, EmfMetrics.Names.ServerErrorCount], a.Metrics.Select(q => q.MetricStat?.MetricName).OfType<string>());
            Assert.All(a.Metrics.Select(q => q.MetricStat).OfType<EmfMetricStat>(), s => Assert.Equal("Sum", s.Stat));
            Assert.Equal("IF(requests > 0, server_errors / requests, 0) / 0.001", a.Metrics.Single(q => q.ReturnData).Expression);
        });
        Assert.All(item.Alarms, a =>
        {
            var stat = Assert.Single(a.Metrics.Select(q => q.MetricStat).OfType<EmfMetricStat>());
            Assert.Equal((EmfMetrics.Names.RequestLatencyMs, "PR(:100)", "/products/{id}"), (stat.MetricName, stat.Stat, stat.Endpoint));
            Assert.Equal("(100 - fast_percent) / 100 / 0.01", a.Metrics.Single(q => q.ReturnData).Expression);
        });
        Assert.Equal(100, item.ThresholdMs);
        Assert.Contains(EmfMetrics.Emitted, m => m.Name == EmfMetrics.Names.RequestLatencyMs && m.Unit == EmfMetrics.Units.Milliseconds);
    }

    [Fact]
    public void EachAlarmLooksAtExactlyItsWindowWithinCloudWatchsEvaluationLimits()
    {
        foreach (var alarm in Plan.Objectives.SelectMany(o => o.Alarms))
        {
            var window = alarm.Window[^1] switch
            {
                'm' => TimeSpan.FromMinutes(int.Parse(alarm.Window[..^1], System.Globalization.CultureInfo.InvariantCulture)),
                'h' => TimeSpan.FromHours(int.Parse(alarm.Window[..^1], System.Globalization.CultureInfo.InvariantCulture)),
                _ => TimeSpan.FromDays(int.Parse(alarm.Window[..^1], System.Globalization.CultureInfo.InvariantCulture)),
            };
            var periods = alarm.Metrics.Select(q => q.MetricStat).OfType<EmfMetricStat>().Select(s => s.Period).Distinct().ToList();
            var period = Assert.Single(periods);

            Assert.Equal((int)window.TotalSeconds, period);
            Assert.Equal(0, period % 60);
            Assert.Equal((1, 1), (alarm.EvaluationPeriods, alarm.DatapointsToAlarm));
            // PutMetricAlarm: Period x EvaluationPeriods at most 7 days, and at most 1 day below an hourly period.
            Assert.True(period * alarm.EvaluationPeriods <= (period < 3600 ? 86400 : 604800), alarm.Id);
            Assert.Equal(("GreaterThanThreshold", "notBreaching"), (alarm.ComparisonOperator, alarm.TreatMissingData));
        }
    }

    [Fact]
    public void EveryAlarmsQueriesAreWellFormedAndReturnOneSeries()
    {
        foreach (var objective in Plan.Objectives)
        {
            foreach (var queries in objective.Alarms.Select(a => a.Metrics).Append(objective.Sli1m))
            {
                Assert.Single(queries, q => q.ReturnData);
                Assert.All(queries, q => Assert.Matches(QueryIdRegex(), q.Id));
                Assert.All(queries, q => Assert.True(q.MetricStat is null != (q.Expression is null), q.Id));
                var ids = queries.Select(q => q.Id).ToHashSet(StringComparer.Ordinal);
                Assert.Equal(queries.Count, ids.Count);
                foreach (var expression in queries.Select(q => q.Expression).OfType<string>())
                {
                    var used = IdentifierRegex().Matches(expression).Select(m => m.Value).Where(v => v != "IF");
                    Assert.All(used, id => Assert.Contains(id, ids));
                }
            }
        }
    }

    [Fact]
    public void TheCompositesPairTheAlarmsAsThePrometheusAlertsDoAndFitCloudWatchsLimits()
    {
        foreach (var objective in Plan.Objectives)
        {
            var alarms = objective.Alarms.ToDictionary(a => a.Id);
            foreach (var composite in objective.Composites)
            {
                var severity = composite.Severity == "page" ? Severity.Page : Severity.Ticket;
                var expected = BurnRateScheme.Alerts.Where(a => a.Severity == severity)
                    .Select(a => (BurnRateScheme.Format(a.LongWindow), BurnRateScheme.Format(a.ShortWindow), (double)a.BurnRate(objective.WindowDays)));
                Assert.Equal(expected, composite.AnyOf.Select(p => (alarms[p.LongWindow].Window, alarms[p.ShortWindow].Window, alarms[p.LongWindow].Threshold)));
                Assert.All(composite.AnyOf, p => Assert.Equal(alarms[p.LongWindow].Threshold, alarms[p.ShortWindow].Threshold));
                Assert.True(composite.Description.Length <= 1024, $"{composite.Id}: AlarmDescription is at most 1024 characters");
                Assert.Contains("docs/runbook.md#", composite.Description, StringComparison.Ordinal);
            }

            Assert.All(objective.Alarms, a => Assert.True(a.Description.Length <= 1024, a.Id));
            // Alarm names are at most 255 characters: the ids leave room for a stack prefix.
            Assert.All(objective.Alarms.Select(a => a.Id).Concat(objective.Composites.Select(c => c.Id)), id => Assert.True(id.Length <= 100, id));
        }

        var allIds = Plan.Objectives.SelectMany(o => o.Alarms.Select(a => a.Id).Concat(o.Composites.Select(c => c.Id))).ToList();
        Assert.Equal(allIds.Count, allIds.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void ThePlanReadsBackAsTheSameRecordsItWasWrittenFrom()
    {
        var written = CloudWatch.AlarmPlanWriter.Build(Specs.Shipped, SloGenerator.DefaultSpecPath);

        var read = Plan;

        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(written, Json.Options), System.Text.Json.JsonSerializer.Serialize(read, Json.Options));
    }

    [GeneratedRegex("^[a-z][a-zA-Z0-9_]*$")]
    private static partial Regex QueryIdRegex();

    [GeneratedRegex("[A-Za-z_][A-Za-z0-9_]*")]
    private static partial Regex IdentifierRegex();
}
