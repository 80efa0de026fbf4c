using System.Text.Json;
using Amazon.CDK.Assertions;
using Pulse.Infra.Tests.Support;
using Pulse.Testing;

namespace Pulse.Infra.Tests;

/// <summary>
/// A password rotation leads to a redeploy without a human: the rotation event of this secret starts a state
/// machine that forces a new ECS deployment, and failures on that path alarm.
/// </summary>
[Collection(SynthesizedAppGroup.Name)]
public sealed class RotationTests(SynthesizedApp app)
{
    private static string Stack(string env) => $"Pulse-{env}-Service";

    private (string Id, JsonElement Resource) Rule(string env, string prefix) =>
        app.Resources(Stack(env), "AWS::Events::Rule").Single(r => r.Id.StartsWith(prefix, StringComparison.Ordinal));

    /// <summary>The database secret's ARN as the service stack imports it, in placeholder form.</summary>
    private string SecretArn(string env) =>
        Cfn.Flatten(Rule(env, "RotationRedeployOnRotationSucceeded").Resource.Prop("EventPattern")
            .GetProperty("detail").GetProperty("additionalEventData").GetProperty("SecretId")[0]);

    private static JsonElement Statements(JsonElement policy) => policy.Prop("PolicyDocument").GetProperty("Statement");

    [RequiresToolsTheory("node")]
    [InlineData("dev")]
    [InlineData("prod")]
    public void OnlyTheRotationSucceededEventOfThisSecretStartsTheRedeploy(string env)
    {
        var pattern = Rule(env, "RotationRedeployOnRotationSucceeded").Resource.Prop("EventPattern");
        var secret = SecretArn(env);

        Assert.Matches($@"^\$\{{Import:Pulse-{env}-Data:ExportsOutputRefDatabaseSecret\w+\}}$", secret);
        Assert.True(EventPattern.Matches(pattern, TaskFailureTests.Sample("secretsmanager-rotation-succeeded", "{{secretArn}}", secret)));
        Assert.False(EventPattern.Matches(pattern, TaskFailureTests.Sample("secretsmanager-rotation-failed", "{{secretArn}}", secret)));
        Assert.False(EventPattern.Matches(pattern, TaskFailureTests.Sample("secretsmanager-rotation-succeeded-other-secret", "{{secretArn}}", secret)));
    }

    [RequiresToolsTheory("node")]
    [InlineData("dev")]
    [InlineData("prod")]
    public void TheRedeployPathEndsInAForcedDeploymentOfThisService(string env)
    {
        var stack = Stack(env);
        var (serviceId, _) = app.Resources(stack, "AWS::ECS::Service").Single();
        var (clusterId, _) = app.Resources(stack, "AWS::ECS::Cluster").Single();
        var (machineId, machine) = app.Resources(stack, "AWS::StepFunctions::StateMachine").Single();

        // Rule -> state machine, through a role EventBridge assumes that may start exactly this state machine.
        var target = Assert.Single(Rule(env, "RotationRedeployOnRotationSucceeded").Resource.Prop("Targets").EnumerateArray());
        Assert.Equal(machineId, Cfn.ReferencedId(target.GetProperty("Arn")));
        var eventsRoleId = Cfn.ReferencedId(target.GetProperty("RoleArn"))!;
        var eventsPolicy = app.Resources(stack, "AWS::IAM::Policy").Single(p => p.Resource.Prop("Roles").EnumerateArray().Any(r => Cfn.ReferencedId(r) == eventsRoleId)).Resource;
        Assert.Contains(Statements(eventsPolicy).EnumerateArray(), s => s.GetProperty("Action").GetString() == "states:StartExecution" && Cfn.ReferencedId(s.GetProperty("Resource")) == machineId);

        // State machine -> ecs:UpdateService with forceNewDeployment on this cluster's service.
        using var definition = JsonDocument.Parse(Cfn.Flatten(machine.Prop("DefinitionString")));
        var state = definition.RootElement.GetProperty("States").GetProperty(definition.RootElement.GetProperty("StartAt").GetString()!);
        Assert.Equal("Task", state.GetProperty("Type").GetString());
        Assert.True(state.GetProperty("End").GetBoolean());
        Assert.Equal("arn:${Ref:AWS::Partition}:states:::aws-sdk:ecs:updateService", state.GetProperty("Resource").GetString());
        var parameters = state.GetProperty("Parameters");
        Assert.True(parameters.GetProperty("ForceNewDeployment").GetBoolean());
        Assert.Equal($"${{Ref:{serviceId}}}", parameters.GetProperty("Service").GetString());
        Assert.Equal($"${{{clusterId}.Arn}}", parameters.GetProperty("Cluster").GetString());
        Assert.NotEmpty(state.GetProperty("Retry").EnumerateArray());

        // The state machine's role may update this service and no other.
        var machineRoleId = Cfn.ReferencedId(machine.Prop("RoleArn"))!;
        var machinePolicy = app.Resources(stack, "AWS::IAM::Policy").Single(p => p.Resource.Prop("Roles").EnumerateArray().Any(r => Cfn.ReferencedId(r) == machineRoleId)).Resource;
        var update = Statements(machinePolicy).EnumerateArray().Single(s => s.GetProperty("Action").GetRawText().Contains("ecs:UpdateService", StringComparison.Ordinal));
        Assert.Equal(serviceId, Cfn.ReferencedId(update.GetProperty("Resource")));
    }

    [RequiresToolsTheory("node")]
    [InlineData("dev")]
    [InlineData("prod")]
    public void TheStateMachineLogsAndTracesItsExecutions(string env)
    {
        var (logId, _) = app.Resources(Stack(env), "AWS::Logs::LogGroup").Single(g => g.Id.StartsWith("RotationRedeployExecutionLogs", StringComparison.Ordinal));

        app.Template(Stack(env)).HasResourceProperties("AWS::StepFunctions::StateMachine", new Dictionary<string, object>
        {
            ["StateMachineName"] = $"pulse-{env}-rotation-redeploy",
            ["StateMachineType"] = "STANDARD",
            ["TracingConfiguration"] = new Dictionary<string, object> { ["Enabled"] = true },
            ["LoggingConfiguration"] = Match.ObjectLike(new Dictionary<string, object>
            {
                ["Level"] = "ALL",
                ["Destinations"] = new object[] { new Dictionary<string, object> { ["CloudWatchLogsLogGroup"] = new Dictionary<string, object> { ["LogGroupArn"] = new Dictionary<string, object> { ["Fn::GetAtt"] = new[] { logId, "Arn" } } } } },
            }),
        });
    }

    [RequiresToolsTheory("node")]
    [InlineData("dev")]
    [InlineData("prod")]
    public void FailedRotationsOfThisSecretAreLogged(string env)
    {
        var (_, rule) = Rule(env, "RotationRedeployOnRotationFailed");
        var (logId, _) = app.Resources(Stack(env), "AWS::Logs::LogGroup").Single(g => g.Id.StartsWith("RotationRedeployRotationFailures", StringComparison.Ordinal));
        var secret = SecretArn(env);

        Assert.True(EventPattern.Matches(rule.Prop("EventPattern"), TaskFailureTests.Sample("secretsmanager-rotation-failed", "{{secretArn}}", secret)));
        Assert.False(EventPattern.Matches(rule.Prop("EventPattern"), TaskFailureTests.Sample("secretsmanager-rotation-succeeded", "{{secretArn}}", secret)));
        var target = Assert.Single(rule.Prop("Targets").EnumerateArray());
        Assert.Equal($"arn:${{Ref:AWS::Partition}}:logs:eu-central-1:${{Ref:AWS::AccountId}}:log-group:${{Ref:{logId}}}", Cfn.Flatten(target.GetProperty("Arn")));
    }

    [RequiresToolsTheory("node")]
    [InlineData("prod")]
    [InlineData("shared")]
    public void AFailedRotationNotifiesAndAFailedRedeployPages(string env)
    {
        var stack = Stack(env);
        var (failedRuleId, _) = Rule(env, "RotationRedeployOnRotationFailed");
        var (redeployRuleId, _) = Rule(env, "RotationRedeployOnRotationSucceeded");
        var (machineId, _) = app.Resources(stack, "AWS::StepFunctions::StateMachine").Single();
        var (pageTopicId, _) = app.Resources(stack, "AWS::SNS::Topic").Single(t => t.Id.Contains("PageTopic", StringComparison.Ordinal));
        var alarms = app.Resources(stack, "AWS::CloudWatch::Alarm").ToDictionary(a => a.Resource.Prop("AlarmName").GetString()!, a => a.Resource);

        var failed = alarms[$"pulse-{env}-secret-rotation-failed"];
        Assert.Equal(("AWS/Events", "TriggeredRules"), (failed.Prop("Namespace").GetString(), failed.Prop("MetricName").GetString()));
        Assert.Equal(failedRuleId, Cfn.ReferencedId(failed.Prop("Dimensions")[0].GetProperty("Value")));
        Assert.DoesNotContain(failed.Prop("AlarmActions").EnumerateArray(), a => Cfn.ReferencedId(a) == pageTopicId);

        var redeploy = alarms[$"pulse-{env}-rotation-redeploy-failed"];
        var metrics = redeploy.Prop("Metrics").EnumerateArray().Where(m => m.TryGetProperty("MetricStat", out _)).Select(m => m.GetProperty("MetricStat").GetProperty("Metric")).ToList();
        Assert.Contains(metrics, m => m.GetProperty("MetricName").GetString() == "FailedInvocations" && Cfn.ReferencedId(m.GetProperty("Dimensions")[0].GetProperty("Value")) == redeployRuleId);
        Assert.Contains(metrics, m => m.GetProperty("MetricName").GetString() == "ExecutionsFailed" && Cfn.ReferencedId(m.GetProperty("Dimensions")[0].GetProperty("Value")) == machineId);
        Assert.Contains(metrics, m => m.GetProperty("MetricName").GetString() == "ExecutionsTimedOut");
        Assert.Contains(redeploy.Prop("AlarmActions").EnumerateArray(), a => Cfn.ReferencedId(a) == pageTopicId);
    }
}
