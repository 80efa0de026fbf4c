using Pulse.Infra;
using Pulse.Infra.Settings;

// Synthesizes every stack of the selected environments (context "environments", default dev,prod) without
// AWS credentials: no lookups, settings from CDK context (docs/deployment.md). Run by the CDK CLI through
// cdk.json, or directly: dotnet run --project infra/Pulse.Infra
try
{
    var (app, environments) = PulseApp.Create();
    var assembly = app.Synth();
    foreach (var environment in environments)
    {
        Console.Error.WriteLine($"{environment.Settings.Name}: {string.Join(", ", environment.Stacks.Select(s => s.StackName))}");
    }

    Console.Error.WriteLine($"Cloud assembly: {assembly.Directory}");

    // Stacks with error annotations (a missing image tag): the CDK CLI refuses to synthesize or deploy them
    // but still lists and destroys them, so under the CLI (which sets CDK_CLI_VERSION) the assembly is handed
    // over as it is; run directly, this entry point fails the way `cdk synth` would.
    var errors = PulseApp.Errors(assembly.Directory);
    if (System.Environment.GetEnvironmentVariable("CDK_CLI_VERSION") is null)
    {
        foreach (var error in errors)
        {
            Console.Error.WriteLine($"Error: {error}");
        }

        return errors.Count > 0 ? 1 : 0;
    }

    return 0;
}
catch (Exception e) when (e is InvalidSettingsException or InvalidDataException)
{
    // Bad settings, or an SLO alarm plan that cannot be read or deployed: the message names what to fix.
    Console.Error.WriteLine(e.Message);
    return 1;
}
