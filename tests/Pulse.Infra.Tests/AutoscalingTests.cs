using Amazon.CDK.Assertions;
using Pulse.Testing;

namespace Pulse.Infra.Tests;

[Collection(SynthesizedAppGroup.Name)]
public sealed class AutoscalingTests(SynthesizedApp app)
{
    [RequiresToolsTheory("node")]
    [InlineData("prod", 2, 10)]
    [InlineData("shared", 2, 4)]
    public void TaskCountScalesBetweenTheEnvironmentsBounds(string env, int min, int max)
    {
        app.Template($"Pulse-{env}-Service").HasResourceProperties("AWS::ApplicationAutoScaling::ScalableTarget", new Dictionary<string, object>
        {
            ["MinCapacity"] = min,
            ["MaxCapacity"] = max,
            ["ScalableDimension"] = "ecs:service:DesiredCount",
            ["ServiceNamespace"] = "ecs",
        });
        Assert.Equal((min, max), (app.Environment(env).Settings.MinTasks, app.Environment(env).Settings.MaxTasks));
    }

    [RequiresToolsTheory("node")]
    [InlineData("prod")]
    [InlineData("shared")]
    public void ScalingTracksCpuMemoryAndRequestsPerTarget(string env)
    {
        var settings = app.Environment(env).Settings;
        var template = app.Template($"Pulse-{env}-Service");

        template.ResourceCountIs("AWS::ApplicationAutoScaling::ScalingPolicy", 3);
        foreach (var (metric, target) in new[]
        {
            ("ECSServiceAverageCPUUtilization", settings.CpuTargetPercent),
            ("ECSServiceAverageMemoryUtilization", settings.MemoryTargetPercent),
            ("ALBRequestCountPerTarget", settings.RequestsPerTarget),
        })
        {
            template.HasResourceProperties("AWS::ApplicationAutoScaling::ScalingPolicy", new Dictionary<string, object>
            {
                ["PolicyType"] = "TargetTrackingScaling",
                ["TargetTrackingScalingPolicyConfiguration"] = Match.ObjectLike(new Dictionary<string, object>
                {
                    ["PredefinedMetricSpecification"] = Match.ObjectLike(new Dictionary<string, object> { ["PredefinedMetricType"] = metric }),
                    ["TargetValue"] = target,
                }),
            });
        }
    }

    [RequiresToolsFact("node")]
    public void AutoscalingIsOffInDevelopment()
    {
        Assert.False(app.Environment("dev").Settings.Autoscaling);
        app.Template("Pulse-dev-Service").ResourceCountIs("AWS::ApplicationAutoScaling::ScalableTarget", 0);
        app.Template("Pulse-dev-Service").ResourceCountIs("AWS::ApplicationAutoScaling::ScalingPolicy", 0);
    }
}
