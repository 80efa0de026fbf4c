using System.Text.RegularExpressions;

namespace Pulse.Stack.Tests;

/// <summary>The repository's Dockerfile as build stages of instructions (continuation lines joined, comments dropped).</summary>
internal sealed partial record Dockerfile(IReadOnlyList<BuildStage> Stages)
{
    public static Dockerfile Load()
    {
        var instructions = new List<Instruction>();
        var pending = string.Empty;
        foreach (var rawLine in Repository.Read("Dockerfile").Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            if (line.TrimStart().StartsWith('#'))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                pending += line[..^1].Trim() + " ";
                continue;
            }

            var text = (pending + line.Trim()).Trim();
            pending = string.Empty;
            if (text.Length > 0)
            {
                var space = text.IndexOf(' ', StringComparison.Ordinal);
                instructions.Add(new Instruction(text[..space].ToUpperInvariant(), text[(space + 1)..].Trim()));
            }
        }

        var stages = new List<BuildStage>();
        foreach (var instruction in instructions)
        {
            if (instruction.Keyword == "FROM")
            {
                var match = FromRegex().Match(instruction.Arguments);
                stages.Add(new BuildStage(match.Groups["image"].Value, match.Groups["name"].Value, new List<Instruction>()));
            }
            else
            {
                ((List<Instruction>)stages[^1].Instructions).Add(instruction);
            }
        }

        return new Dockerfile(stages);
    }

    [GeneratedRegex(@"^(?:--platform=\S+\s+)?(?<image>\S+)(?:\s+AS\s+(?<name>\S+))?$", RegexOptions.IgnoreCase)]
    private static partial Regex FromRegex();
}

internal sealed record BuildStage(string Image, string Name, IReadOnlyList<Instruction> Instructions)
{
    public IEnumerable<string> All(string keyword) => Instructions.Where(i => i.Keyword == keyword).Select(i => i.Arguments);

    public string Single(string keyword) => Assert.Single(All(keyword));
}

internal sealed record Instruction(string Keyword, string Arguments);
