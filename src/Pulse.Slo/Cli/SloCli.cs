using System.CommandLine;
using Pulse.Slo.Spec;

namespace Pulse.Slo.Cli;

/// <summary>
/// <c>generate</c> writes every file the spec determines; <c>check</c> only compares them with the committed
/// ones. Exit codes: 0 done (or up to date), 1 <c>check</c> found files to regenerate, 2 a bad spec or argument.
/// </summary>
internal static class SloCli
{
    public const int Ok = 0;
    public const int Outdated = 1;
    public const int BadInput = 2;

    private static readonly Option<string?> RootOption = new("--root")
    {
        Description = "Repository root the paths are relative to [default: the nearest folder above the current one holding Pulse.slnx].",
        HelpName = "dir",
    };

    private static readonly Option<string?> SpecOption = new("--spec")
    {
        Description = $"The SLO spec [default: {SloGenerator.DefaultSpecPath}].",
        HelpName = "file",
    };

    private static readonly Option<string?> SettingsOption = new("--service-settings")
    {
        Description = $"The service settings whose {ServiceFacts.DurationBucketsKey} latency thresholds must be boundaries of (the service's defaults when unset) [default: {ServiceFacts.DefaultSettingsFile}].",
        HelpName = "file",
    };

    private static readonly Option<string?> OpenApiOption = new("--openapi")
    {
        Description = $"The OpenAPI document listing the endpoints objectives may name [default: {ServiceFacts.DefaultOpenApiFile}].",
        HelpName = "file",
    };

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, string currentDirectory)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var generate = new Command("generate", "Validate the spec and write the Prometheus rules and tests, the Grafana dashboard and the CloudWatch alarm plan.");
        var check = new Command("check", "Validate the spec and fail (exit 1) when a generated file is missing or differs from what the spec produces.");
        foreach (var command in new[] { generate, check })
        {
            command.Options.Add(RootOption);
            command.Options.Add(SpecOption);
            command.Options.Add(SettingsOption);
            command.Options.Add(OpenApiOption);
        }

        var root = new RootCommand("Service level objectives as code: one spec, burn-rate alerts in Prometheus and CloudWatch (docs/slo.md).") { generate, check };
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var problem in parsed.Errors)
            {
                await error.WriteLineAsync($"error: {problem.Message}");
            }

            return BadInput;
        }

        if (parsed.CommandResult.Command != generate && parsed.CommandResult.Command != check)
        {
            // --help, --version, or no verb.
            var code = await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
            return parsed.CommandResult.Command == root && parsed.Action is null ? BadInput : code;
        }

        var repository = parsed.GetValue(RootOption) is { } given ? Path.GetFullPath(given, currentDirectory) : FindRoot(currentDirectory);
        if (repository is null)
        {
            await error.WriteLineAsync("error: --root: no Pulse.slnx in the current folder or above it; pass --root.");
            return BadInput;
        }

        var specPath = parsed.GetValue(SpecOption) ?? SloGenerator.DefaultSpecPath;
        IReadOnlyList<GeneratedFile> files;
        try
        {
            var facts = ServiceFacts.Load(
                Path.Combine(repository, parsed.GetValue(SettingsOption) ?? ServiceFacts.DefaultSettingsFile),
                Path.Combine(repository, parsed.GetValue(OpenApiOption) ?? ServiceFacts.DefaultOpenApiFile));
            var spec = SpecReader.ReadFile(Path.Combine(repository, specPath), facts, specPath);
            files = SloGenerator.Generate(spec, specPath.Replace('\\', '/'));
        }
        catch (SpecException e)
        {
            await error.WriteLineAsync($"error: {e.Message}");
            return BadInput;
        }
        catch (IOException e)
        {
            await error.WriteLineAsync($"error: {e.Message}");
            return BadInput;
        }

        if (parsed.CommandResult.Command == check)
        {
            var outdated = SloGenerator.Differences(files, repository);
            foreach (var path in outdated)
            {
                await error.WriteLineAsync($"{path}: differs from what {specPath} produces");
            }

            if (outdated.Count > 0)
            {
                await error.WriteLineAsync("Run: dotnet run --project src/Pulse.Slo -- generate");
                return Outdated;
            }

            await output.WriteLineAsync($"{files.Count} generated files match {specPath}.");
            return Ok;
        }

        foreach (var file in files)
        {
            var path = Path.Combine(repository, file.Path);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var changed = !File.Exists(path) || await File.ReadAllTextAsync(path) != file.Text;
            if (changed)
            {
                await File.WriteAllTextAsync(path, file.Text);
            }

            await output.WriteLineAsync($"{(changed ? "wrote    " : "unchanged")} {file.Path}");
        }

        foreach (var stale in SloGenerator.Stale(files, repository).ToList())
        {
            File.Delete(Path.Combine(repository, stale));
            await output.WriteLineAsync($"deleted   {stale} (no such objective any more)");
        }

        return Ok;
    }

    private static string? FindRoot(string directory)
    {
        for (var current = new DirectoryInfo(directory); current is not null; current = current.Parent)
        {
            if (File.Exists(Path.Combine(current.FullName, "Pulse.slnx")))
            {
                return current.FullName;
            }
        }

        return null;
    }
}
