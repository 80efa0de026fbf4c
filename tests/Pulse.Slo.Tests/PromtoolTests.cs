using Pulse.Testing;

namespace Pulse.Slo.Tests;

/// <summary>
/// The generated rules and their generated unit tests, run by promtool. The committed files are run by the
/// stack tests (every rule file and test under deploy/prometheus); these generate other specs into a scratch
/// folder, so the generator is proven beyond the one spec the repository ships.
/// </summary>
public sealed class PromtoolTests
{
    private static Task<ProcessResult> PromtoolAsync(string directory, params string[] arguments) =>
        ProcessRunner.RunAsync(ExternalTools.Require("promtool"), arguments, timeout: TimeSpan.FromMinutes(3), workingDirectory: directory);

    private static string WriteAll(IEnumerable<GeneratedFile> files)
    {
        var directory = Directory.CreateTempSubdirectory("pulse-slo-promtool-").FullName;
        foreach (var file in files)
        {
            var path = Path.Combine(directory, file.Path);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, file.Text);
        }

        return directory;
    }

    [RequiresToolsFact("promtool")]
    public async Task PromtoolAcceptsEveryCommittedSloRuleFile()
    {
        var files = SloGenerator.Generate(Specs.Shipped).Where(f => f.Path.StartsWith(SloGenerator.RulesDirectory, StringComparison.Ordinal)).ToList();

        var result = await PromtoolAsync(Specs.Root, ["check", "rules", .. files.Select(f => f.Path)]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(files.Count, result.StandardOutput.Split("SUCCESS: 15 rules found").Length - 1);
    }

    [RequiresToolsFact("promtool")]
    public async Task TheGeneratedTestsOfAnotherSpecPassInPromtool()
    {
        // A 28-day window (burn rates 13.44, 5.6, 2.8, 0.93), a 99.5 % target, and a whole-second latency
        // threshold, whose bucket the rules match as le="1" and le="1.0".
        var spec = Specs.Read(
            "  - name: uptime\n    sli: availability\n    target: 99.5\n  - name: slow\n    sli: latency\n    target: 99.9\n    threshold: 1s\n",
            window: "28d");
        var files = SloGenerator.Generate(spec);
        var directory = WriteAll(files);
        try
        {
            var tests = files.Where(f => f.Path.EndsWith(".test.yml", StringComparison.Ordinal) && !f.Path.Contains("slow.tickets", StringComparison.Ordinal))
                .Select(f => f.Path).ToList();

            var result = await PromtoolAsync(directory, ["test", "rules", .. tests]);

            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Equal(tests.Count, result.StandardOutput.Split("SUCCESS").Length - 1);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [RequiresToolsTheory("promtool")]
    [InlineData("(14.4 * 0.001)", "(25 * 0.001)", ".test.yml", "pages through its 1h and 5m windows")]
    [InlineData("slo:sli_error:ratio_rate5m{slo=\"availability\"} > (14.4", "slo:sli_error:ratio_rate30m{slo=\"availability\"} > (14.4", ".test.yml", "the page resolves")]
    [InlineData("(1 * 0.001)", "(3 * 0.001)", ".tickets.test.yml", "ticket through its 3d and 6h windows")]
    public async Task TheGeneratedTestsFailWhenARuleIsWrong(string correct, string wrong, string testSuffix, string failingTest)
    {
        // A threshold too high, a short window too long: the tests must notice.
        var files = SloGenerator.Generate(Specs.Shipped).Where(f => f.Path.Contains("slo-availability", StringComparison.Ordinal)).ToList();
        var rules = files.Single(f => f.Path.StartsWith(SloGenerator.RulesDirectory, StringComparison.Ordinal));
        Assert.Contains(correct, rules.Text, StringComparison.Ordinal);
        var directory = WriteAll([.. files.Where(f => f != rules), rules with { Text = rules.Text.Replace(correct, wrong, StringComparison.Ordinal) }]);
        try
        {
            var test = files.Single(f => f.Path.EndsWith("slo-availability" + testSuffix, StringComparison.Ordinal)).Path;

            var result = await PromtoolAsync(directory, "test", "rules", test);

            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains("FAILED", result.StandardOutput + result.StandardError, StringComparison.Ordinal);
            Assert.Contains(failingTest, result.StandardOutput + result.StandardError, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void EveryObjectiveIsTestedForAFastBurnAWithinBudgetRateASlowBurnAndRecovery()
    {
        foreach (var objective in Specs.Shipped.Objectives)
        {
            var names = SloGenerator.Generate(Specs.Shipped)
                .Where(f => f.Path.StartsWith($"{SloGenerator.RuleTestsDirectory}/slo-{objective.Name}.", StringComparison.Ordinal))
                .SelectMany(f => GeneratorTests.Items(GeneratorTests.Yaml(f.Text), "tests"))
                .Select(t => GeneratorTests.Text(t, "name")).ToList();

            Assert.Contains($"{objective.Name}: a 20x burn pages through its 1h and 5m windows within 49 minutes", names);
            Assert.Contains(names, n => n.Contains("pages through its 6h and 30m windows", StringComparison.Ordinal));
            Assert.Contains($"{objective.Name}: the page resolves within 7 minutes of the errors stopping", names);
            Assert.Contains(names, n => n.Contains("opens a ticket through its 1d and 2h windows", StringComparison.Ordinal) && n.Contains("never pages", StringComparison.Ordinal));
            Assert.Contains(names, n => n.Contains("opens a ticket through its 3d and 6h windows", StringComparison.Ordinal) && n.Contains("never pages", StringComparison.Ordinal));
            Assert.Contains(names, n => n.Contains("within the budget, never alerts", StringComparison.Ordinal));
        }
    }
}
