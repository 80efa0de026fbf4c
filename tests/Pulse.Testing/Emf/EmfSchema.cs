namespace Pulse.Testing.Emf;

/// <summary>
/// Validates EMF lines against the published JSON schema (specs/emf/emf-schema.json) with a real draft-07
/// validator: Ajv, pinned in tests/emf-validator/package-lock.json, all lines in one node process. Tests that
/// call it are <c>[RequiresToolsFact("node", "npm")]</c>; <c>.ci/run</c> installs the packages, and locally
/// they are installed on first use.
/// </summary>
public static class EmfSchema
{
    private static readonly SemaphoreSlim InstallGate = new(1, 1);

    public static string SchemaPath => RepositoryRoot.Combine("specs", "emf", "emf-schema.json");

    private static string ValidatorDirectory => RepositoryRoot.Combine("tests", "emf-validator");

    /// <summary>Fails the test with the validator's report unless every line is a valid EMF document.</summary>
    public static async Task AssertValidAsync(IReadOnlyCollection<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        Assert.NotEmpty(lines);
        await EnsureInstalledAsync();

        var file = System.IO.Path.GetTempFileName();
        try
        {
            await File.WriteAllLinesAsync(file, lines);
            var result = await ProcessRunner.RunAsync(
                ExternalTools.Require("node"), [System.IO.Path.Combine(ValidatorDirectory, "validate.mjs"), SchemaPath, file],
                timeout: TimeSpan.FromMinutes(1), workingDirectory: ValidatorDirectory);
            Assert.True(result.ExitCode == 0, $"EMF schema validation failed:\n{result}");
            Assert.Contains($"{lines.Count} documents, 0 invalid", result.StandardOutput, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static async Task EnsureInstalledAsync()
    {
        await InstallGate.WaitAsync();
        try
        {
            if (IsInstalled())
            {
                return;
            }

            // The test projects run in parallel processes; npm ci starts by deleting node_modules, so only one may run it.
            using var crossProcess = await LockAsync(System.IO.Path.Combine(System.IO.Path.GetTempPath(), "pulse-emf-validator.lock"));
            if (IsInstalled())
            {
                return;
            }

            var result = await ProcessRunner.RunAsync(
                ExternalTools.Require("npm"), ["ci", "--no-audit", "--no-fund"], timeout: TimeSpan.FromMinutes(3), workingDirectory: ValidatorDirectory);
            Assert.True(result.ExitCode == 0, $"npm ci in tests/emf-validator failed:\n{result}");
        }
        finally
        {
            InstallGate.Release();
        }
    }

    private static bool IsInstalled() => File.Exists(System.IO.Path.Combine(ValidatorDirectory, "node_modules", "ajv", "package.json"));

    /// <summary>An exclusive lock between processes (FileShare.None is an advisory lock on Unix).</summary>
    private static async Task<FileStream> LockAsync(string path)
    {
        FileStream? stream = null;
        await Wait.UntilAsync(
            () =>
            {
                try
                {
                    stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                    return true;
                }
                catch (IOException)
                {
                    return false;
                }
            },
            TimeSpan.FromMinutes(4),
            "the lock on the EMF validator's npm install",
            TimeSpan.FromMilliseconds(200));
        return stream!;
    }
}
