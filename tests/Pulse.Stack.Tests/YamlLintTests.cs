using Pulse.Testing;

namespace Pulse.Stack.Tests;

/// <summary>yamllint, with the repository's .yamllint.yml, over the compose files and everything under deploy/.</summary>
public sealed class YamlLintTests
{
    private static Task<ProcessResult> YamllintAsync(params string[] paths) =>
        ProcessRunner.RunAsync(
            ExternalTools.Require("yamllint"), ["--strict", "--format", "parsable", "-c", Repository.PathOf(".yamllint.yml"), .. paths],
            timeout: TimeSpan.FromSeconds(60), workingDirectory: Repository.Root);

    [RequiresToolsFact("yamllint")]
    public async Task TheComposeFilePrometheusConfigurationRulesAndGrafanaProvisioningPassYamllint()
    {
        var result = await YamllintAsync("compose.yaml", "compose.without-grafana.yaml", "deploy", ".yamllint.yml");

        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [RequiresToolsFact("yamllint")]
    public async Task YamllintWithTheRepositorysSettingsRejectsADuplicateKey()
    {
        // Guards the guard: the settings must still catch what breaks a compose file or a rule silently.
        var file = Path.Combine(Directory.CreateTempSubdirectory("pulse-yamllint-").FullName, "bad.yml");
        await File.WriteAllTextAsync(file, "services:\n  api:\n    image: a\n    image: b\n");
        try
        {
            var result = await YamllintAsync(file);

            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains("key-duplicates", result.StandardOutput, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        }
    }
}
