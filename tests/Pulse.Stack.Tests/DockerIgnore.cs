using System.Text;
using System.Text.RegularExpressions;

namespace Pulse.Stack.Tests;

/// <summary>
/// The repository's .dockerignore, evaluated as Docker does: patterns in order, the last match wins, <c>!</c>
/// re-includes, <c>*</c> and <c>?</c> stay within one path segment, <c>**</c> spans any number of them, and a
/// pattern that matches a directory matches everything below it.
/// (https://docs.docker.com/build/concepts/context/#dockerignore-files)
/// </summary>
internal sealed class DockerIgnore
{
    private readonly List<(Regex Pattern, bool Exclude)> _rules = [];

    public DockerIgnore(string text)
    {
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var exclude = !line.StartsWith('!');
            var pattern = (exclude ? line : line[1..]).Trim().Trim('/');
            _rules.Add((new Regex("^" + GlobToRegex(pattern) + "(/.*)?$", RegexOptions.CultureInvariant), exclude));
        }
    }

    public static DockerIgnore Load() => new(Repository.Read(".dockerignore"));

    /// <summary>Whether a path relative to the context (with forward slashes) is sent to the builder.</summary>
    public bool Admits(string relativePath)
    {
        var excluded = false;
        foreach (var (pattern, exclude) in _rules)
        {
            if (pattern.IsMatch(relativePath))
            {
                excluded = exclude;
            }
        }

        return !excluded;
    }

    /// <summary>Every file of the repository the build context holds.</summary>
    public IEnumerable<string> ContextFiles(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(file => Path.GetRelativePath(root, file).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(file => !file.StartsWith(".git/", StringComparison.Ordinal) && Admits(file));

    private static string GlobToRegex(string glob)
    {
        var regex = new StringBuilder();
        for (var i = 0; i < glob.Length; i++)
        {
            if (glob[i] == '*' && i + 1 < glob.Length && glob[i + 1] == '*')
            {
                // "**/" matches zero or more directories.
                var slash = i + 2 < glob.Length && glob[i + 2] == '/';
                regex.Append(slash ? "(.*/)?" : ".*");
                i += slash ? 2 : 1;
            }
            else
            {
                regex.Append(glob[i] switch
                {
                    '*' => "[^/]*",
                    '?' => "[^/]",
                    var c => Regex.Escape(c.ToString()),
                });
            }
        }

        return regex.ToString();
    }
}
