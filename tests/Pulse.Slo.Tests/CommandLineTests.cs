using Pulse.Slo.Cli;

namespace Pulse.Slo.Tests;

/// <summary>The <c>generate</c> and <c>check</c> verbs on a scratch copy of the files they read.</summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("pulse-slo-cli-").FullName;

    public CommandLineTests()
    {
        foreach (var file in new[] { SloGenerator.DefaultSpecPath, Spec.ServiceFacts.DefaultSettingsFile, Spec.ServiceFacts.DefaultOpenApiFile })
        {
            var target = Path.Combine(_root, file);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(Path.Combine(Specs.Root, file), target);
        }

        File.WriteAllText(Path.Combine(_root, "Pulse.slnx"), "<Solution />\n");
    }

    private async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await SloCli.RunAsync(args, output, error, Path.Combine(_root, "deploy"));
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task GenerateWritesEveryFileThenCheckFindsThemUpToDate()
    {
        var missing = await RunAsync("check");
        Assert.Equal((SloCli.Outdated, true), (missing.Code, missing.Error.Contains($"{SloGenerator.DashboardPath}: differs", StringComparison.Ordinal)));

        var generated = await RunAsync("generate");
        Assert.Equal(SloCli.Ok, generated.Code);
        Assert.Contains($"wrote     {SloGenerator.CloudWatchPath}", generated.Output, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllText(Path.Combine(Specs.Root, SloGenerator.DashboardPath)), File.ReadAllText(Path.Combine(_root, SloGenerator.DashboardPath)));

        var check = await RunAsync("check");
        Assert.Equal((SloCli.Ok, string.Empty), (check.Code, check.Error));
        Assert.Contains("11 generated files match deploy/slo/pulse.yaml", check.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GenerateDeletesTheFilesOfARemovedObjectiveAndCheckReportsThemUntilThen()
    {
        await RunAsync("generate");
        var spec = Path.Combine(_root, SloGenerator.DefaultSpecPath);
        var text = File.ReadAllText(spec);
        File.WriteAllText(spec, text[..text.IndexOf("  - name: product-item-latency", StringComparison.Ordinal)]);

        var check = await RunAsync("check");
        Assert.Equal(SloCli.Outdated, check.Code);
        Assert.Contains("deploy/prometheus/rules/slo-product-item-latency.yml: differs", check.Error, StringComparison.Ordinal);

        var generated = await RunAsync("generate");
        Assert.Contains("deleted   deploy/prometheus/rules/slo-product-item-latency.yml", generated.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_root, "deploy/prometheus/tests/slo-product-item-latency.test.yml")));
        Assert.Equal(SloCli.Ok, (await RunAsync("check")).Code);
    }

    [Fact]
    public async Task AnInvalidSpecStopsWithTheFieldAndWritesNothing()
    {
        var spec = Path.Combine(_root, SloGenerator.DefaultSpecPath);
        File.WriteAllText(spec, File.ReadAllText(spec).Replace("target: 99.9", "target: 100", StringComparison.Ordinal));

        var result = await RunAsync("generate");

        Assert.Equal(SloCli.BadInput, result.Code);
        Assert.Contains("error: deploy/slo/pulse.yaml is not a valid SLO spec:", result.Error, StringComparison.Ordinal);
        Assert.Contains("objectives[0].target: 100 % must be below 100 %", result.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_root, SloGenerator.RulesDirectory)));
    }

    [Fact]
    public async Task AnUnknownVerbOrOptionIsABadArgument()
    {
        Assert.Equal(SloCli.BadInput, (await RunAsync("publish")).Code);
        Assert.Equal(SloCli.BadInput, (await RunAsync("generate", "--sepc", "x.yaml")).Code);
        Assert.Equal(SloCli.BadInput, (await RunAsync()).Code);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
