namespace Pulse.LoadGen.Scenarios;

/// <summary>The spelling of scenario names on the command line and in the summary.</summary>
internal static class ScenarioNames
{
    private static readonly (ScenarioName Name, string Text)[] Names =
    [
        (ScenarioName.Seed, "seed"),
        (ScenarioName.Crud, "crud"),
        (ScenarioName.Mixed, "mixed"),
        (ScenarioName.ErrorBurst, "error-burst"),
        (ScenarioName.Root, "root"),
    ];

    public static IReadOnlyList<string> All { get; } = [.. Names.Select(n => n.Text)];

    public static string Format(ScenarioName name) => Names.First(n => n.Name == name).Text;

    public static bool TryParse(string? text, out ScenarioName name)
    {
        foreach (var (value, spelling) in Names)
        {
            if (string.Equals(spelling, text, StringComparison.OrdinalIgnoreCase))
            {
                name = value;
                return true;
            }
        }

        name = default;
        return false;
    }
}
