using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.SNS;
using Constructs;
using Pulse.Infra.Settings;
using Pulse.Slo.CloudWatch;
using Pulse.Telemetry;

namespace Pulse.Infra.Constructs;

/// <summary>
/// The service level objectives on CloudWatch, built from the alarm plan the SLO generator writes
/// (deploy/slo/generated/cloudwatch-alarms.json; docs/slo.md, "CloudWatch"). Per objective:
/// <list type="bullet">
/// <item>one metric math alarm per burn-rate window, exactly as planned (queries, statistics, periods,
/// expression, threshold), reading the service's EMF metrics in <c>emfNamespace</c> with <c>Service</c> set
/// to the environment's service name; these have no actions, because one window alone is not a reason to
/// notify anyone (the multiwindow rule);</item>
/// <item>the composite alarms that pair each long window with its short one,
/// <c>(ALARM(long1) AND ALARM(short1)) OR (ALARM(long2) AND ALARM(short2))</c>: page composites notify the
/// page and the alarms topics, ticket composites the alarms topic, on ALARM and on OK.</item>
/// </list>
/// The composites the plan marks <c>deploymentGate</c> (the fast burns) are <see cref="DeploymentGates"/>:
/// the service stack adds their names to the ECS deployment alarms.
/// </summary>
internal sealed class ServiceLevelObjectives : Construct
{
    private static readonly Lazy<AlarmPlan> Committed = new(() => Load(CommittedPlanPath));

    private readonly EnvironmentSettings settings;
    private readonly AlarmPlan plan;
    private readonly string emfNamespace;
    private readonly Dictionary<string, CfnAlarm> burnRateAlarms = [];
    private readonly Dictionary<string, CfnCompositeAlarm> composites = [];
    private readonly List<CfnCompositeAlarm> deploymentGates = [];

    public ServiceLevelObjectives(
        Construct scope,
        string id,
        EnvironmentSettings settings,
        AlarmPlan plan,
        string emfNamespace,
        ITopic alarmTopic,
        ITopic pageTopic)
        : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(alarmTopic);
        ArgumentNullException.ThrowIfNull(pageTopic);
        ArgumentException.ThrowIfNullOrEmpty(emfNamespace);
        Validate(plan);
        this.settings = settings;
        this.plan = plan;
        this.emfNamespace = emfNamespace;

        foreach (var objective in plan.Objectives)
        {
            // Which composites read each window alarm, for the reason its missing actions are accepted.
            var readers = objective.Composites
                .SelectMany(c => c.AnyOf.SelectMany(p => new[] { p.LongWindow, p.ShortWindow }).Select(a => (Alarm: a, Composite: c.Id)))
                .ToLookup(x => x.Alarm, x => AlarmName(settings, x.Composite));

            foreach (var window in objective.Alarms)
            {
                var alarm = new CfnAlarm(this, window.Id, new CfnAlarmProps
                {
                    AlarmName = AlarmName(settings, window.Id),
                    AlarmDescription = window.Description,
                    Threshold = window.Threshold,
                    ComparisonOperator = window.ComparisonOperator,
                    EvaluationPeriods = window.EvaluationPeriods,
                    DatapointsToAlarm = window.DatapointsToAlarm,
                    TreatMissingData = window.TreatMissingData,
                    Metrics = window.Metrics.Select(q => Query(q, settings, plan, emfNamespace, window.Id)).ToArray(),
                });
                Guard.Suppress(alarm, new GuardSuppression(
                    "CT.CLOUDWATCH.PR.1",
                    $"A burn-rate window of SLO {objective.Name}. Composite alarms notify for it ({string.Join(", ", readers[window.Id])}), and only while its partner window burns too; an action of its own would notify on one window alone."));
                burnRateAlarms[window.Id] = alarm;
            }

            foreach (var composite in objective.Composites)
            {
                // ALARM() by ARN (Fn::GetAtt) rather than by name, so CloudFormation creates the window alarms first.
                var rule = string.Join(" OR ", composite.AnyOf.Select(p =>
                    $"(ALARM(\"{burnRateAlarms[p.LongWindow].AttrArn}\") AND ALARM(\"{burnRateAlarms[p.ShortWindow].AttrArn}\"))"));
                var topics = composite.Severity switch
                {
                    "page" => new[] { alarmTopic, pageTopic },
                    _ => [alarmTopic],
                };
                var alarm = new CfnCompositeAlarm(this, composite.Id, new CfnCompositeAlarmProps
                {
                    AlarmName = AlarmName(settings, composite.Id),
                    AlarmDescription = composite.Description,
                    AlarmRule = rule,
                    AlarmActions = topics.Select(t => t.TopicArn).ToArray(),
                    OkActions = topics.Select(t => t.TopicArn).ToArray(),
                });
                composites[composite.Id] = alarm;
                if (composite.DeploymentGate)
                {
                    deploymentGates.Add(alarm);
                }
            }
        }
    }

    /// <summary>Where the app finds the committed plan: copied beside it by the build (see Pulse.Infra.csproj).</summary>
    public static string CommittedPlanPath => Path.Combine(AppContext.BaseDirectory, "slo", "cloudwatch-alarms.json");

    /// <summary>The committed plan, read once per process.</summary>
    public static AlarmPlan CommittedPlan => Committed.Value;

    /// <summary>The burn-rate (window) alarms by their plan id, e.g. <c>availability-page-1h</c>.</summary>
    public IReadOnlyDictionary<string, CfnAlarm> BurnRateAlarms => burnRateAlarms;

    /// <summary>The composite alarms by their plan id, e.g. <c>availability-fast-burn</c>.</summary>
    public IReadOnlyDictionary<string, CfnCompositeAlarm> Composites => composites;

    /// <summary>The composites that roll a deployment back when they fire during it (the fast burns).</summary>
    public IReadOnlyList<CfnCompositeAlarm> DeploymentGates => deploymentGates;

    /// <summary>The CloudWatch name of a plan alarm or composite: <c>pulse-&lt;env&gt;-slo-&lt;plan id&gt;</c>.</summary>
    public static string AlarmName(EnvironmentSettings settings, string planId)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return $"{settings.ResourcePrefix}-slo-{planId}";
    }

    /// <summary>
    /// Adds a row to <paramref name="dashboard"/>: the state of every SLO composite alarm, and per objective its
    /// error ratio per minute (the plan's <c>sli1m</c> queries) against the error budget, the line a burn rate of
    /// 1 follows.
    /// </summary>
    public void AddWidgets(Dashboard dashboard)
    {
        ArgumentNullException.ThrowIfNull(dashboard);
        var oneMinute = Duration.Minutes(1);
        dashboard.AddWidgets(new AlarmStatusWidget(new AlarmStatusWidgetProps
        {
            Title = "Service level objectives",
            Width = 24,
            Height = 3,
            Alarms = composites.Select(c => Amazon.CDK.AWS.CloudWatch.CompositeAlarm.FromCompositeAlarmArn(this, $"{c.Key}-status", c.Value.AttrArn)).ToArray(),
        }));
        dashboard.AddWidgets(plan.Objectives.Select(objective =>
        {
            var ratio = objective.Sli1m.Single(q => q.ReturnData);
            return (IWidget)new GraphWidget(new GraphWidgetProps
            {
                Title = $"SLO {objective.Name}: error ratio per minute",
                Width = 24 / Math.Max(1, Math.Min(plan.Objectives.Count, 4)),
                Height = 6,
                Left = [new MathExpression(new MathExpressionProps
                {
                    Expression = ratio.Expression!,
                    Label = ratio.Label ?? objective.Name,
                    Period = oneMinute,
                    UsingMetrics = objective.Sli1m.Where(q => q.MetricStat is not null).ToDictionary(
                        q => q.Id,
                        q => (IMetric)new Metric(new MetricProps
                        {
                            Namespace = emfNamespace,
                            MetricName = q.MetricStat!.MetricName,
                            DimensionsMap = q.MetricStat.Dimensions.ToDictionary(d => d, d => d == plan.ServiceDimension ? settings.EmfServiceName : q.MetricStat.Endpoint!),
                            Statistic = q.MetricStat.Stat,
                            Period = Duration.Seconds(q.MetricStat.Period),
                        })),
                })],
                LeftAnnotations = [new HorizontalAnnotation { Value = objective.ErrorBudget, Label = $"error budget ({objective.TargetPercent.ToString(System.Globalization.CultureInfo.InvariantCulture)} % target)" }],
                LeftYAxis = new YAxisProps { Min = 0, ShowUnits = false },
            });
        }).ToArray());
    }

    /// <summary>Reads a plan, with a message naming the file and how to regenerate it when it cannot.</summary>
    public static AlarmPlan Load(string path)
    {
        try
        {
            return AlarmPlan.Load(path);
        }
        catch (Exception e) when (e is IOException or System.Text.Json.JsonException or InvalidDataException or UnauthorizedAccessException)
        {
            throw new InvalidDataException(
                $"The SLO alarm plan {path} cannot be read ({e.Message}). It is deploy/slo/generated/cloudwatch-alarms.json, copied by the build; regenerate it with: dotnet run --project src/Pulse.Slo -- generate",
                e);
        }
    }

    /// <summary>Refuses a plan this construct would misread, naming what is wrong, before any resource is created.</summary>
    private static void Validate(AlarmPlan plan)
    {
        var errors = new List<string>();
        if (plan.SchemaVersion != AlarmPlan.CurrentSchemaVersion)
        {
            errors.Add($"schemaVersion is {plan.SchemaVersion}; this app reads version {AlarmPlan.CurrentSchemaVersion}");
        }

        if (plan.ServiceDimension != EmfMetrics.Dimensions.Service)
        {
            errors.Add($"serviceDimension is '{plan.ServiceDimension}'; the service writes its name as '{EmfMetrics.Dimensions.Service}'");
        }

        foreach (var objective in plan.Objectives)
        {
            var ids = objective.Alarms.Select(a => a.Id).ToHashSet(StringComparer.Ordinal);
            foreach (var composite in objective.Composites)
            {
                if (composite.Severity is not ("page" or "ticket"))
                {
                    errors.Add($"{composite.Id}: severity '{composite.Severity}' is neither page nor ticket");
                }

                if (composite.AnyOf.Count == 0)
                {
                    errors.Add($"{composite.Id}: anyOf is empty");
                }

                errors.AddRange(composite.AnyOf
                    .SelectMany(p => new[] { p.LongWindow, p.ShortWindow })
                    .Where(a => !ids.Contains(a))
                    .Select(a => $"{composite.Id}: pairs '{a}', which is not an alarm of objective {objective.Name}"));
            }

            foreach (var alarm in objective.Alarms)
            {
                foreach (var stat in alarm.Metrics.Select(q => q.MetricStat).OfType<EmfMetricStat>())
                {
                    errors.AddRange(stat.Dimensions
                        .Where(d => d != EmfMetrics.Dimensions.Service && d != EmfMetrics.Dimensions.Endpoint)
                        .Select(d => $"{alarm.Id}: reads {stat.MetricName} at dimension '{d}', which the service does not write"));
                    if (stat.Dimensions.Contains(EmfMetrics.Dimensions.Endpoint) && string.IsNullOrEmpty(stat.Endpoint))
                    {
                        errors.Add($"{alarm.Id}: reads {stat.MetricName} per {EmfMetrics.Dimensions.Endpoint} but names no endpoint");
                    }
                }
            }
        }

        if (errors.Count > 0)
        {
            throw new InvalidDataException($"The SLO alarm plan ({plan.GeneratedFrom}) cannot be deployed:\n  " + string.Join("\n  ", errors));
        }
    }

    private static CfnAlarm.MetricDataQueryProperty Query(MetricQuery query, EnvironmentSettings settings, AlarmPlan plan, string emfNamespace, string alarmId) => new()
    {
        Id = query.Id,
        Expression = query.Expression,
        Label = query.Label,
        ReturnData = query.ReturnData,
        MetricStat = query.MetricStat is not { } stat ? null : new CfnAlarm.MetricStatProperty
        {
            Stat = stat.Stat,
            Period = stat.Period,
            Metric = new CfnAlarm.MetricProperty
            {
                Namespace = emfNamespace,
                MetricName = stat.MetricName,
                Dimensions = stat.Dimensions.Select(d => new CfnAlarm.DimensionProperty
                {
                    Name = d,
                    Value = d == plan.ServiceDimension ? settings.EmfServiceName
                        : stat.Endpoint ?? throw new InvalidDataException($"{alarmId}: no value for dimension {d}"),
                }).ToArray(),
            },
        },
    };
}
