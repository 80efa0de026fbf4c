using Spectre.Console;

namespace Pulse.LoadGen.Output;

/// <summary>
/// Where the tool writes. On a terminal: Spectre.Console's live display and colored tables. Redirected
/// (a file, a pipe, a test): plain periodic lines and uncolored tables wide enough not to wrap.
/// </summary>
internal sealed class CliConsole
{
    /// <summary>Width of tables when output is redirected.</summary>
    public const int RedirectedWidth = 200;

    private CliConsole(TextWriter output, TextWriter error, bool interactive, IAnsiConsole ansi)
    {
        Out = output;
        Error = error;
        Interactive = interactive;
        Ansi = ansi;
    }

    public TextWriter Out { get; }

    public TextWriter Error { get; }

    /// <summary>True when a person watches a terminal: live display instead of periodic lines.</summary>
    public bool Interactive { get; }

    public IAnsiConsole Ansi { get; }

    /// <summary>How often the plain (redirected) progress line is written.</summary>
    public TimeSpan PlainProgressInterval { get; init; } = TimeSpan.FromSeconds(5);

    public static CliConsole FromSystemConsole()
    {
        var interactive = !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
        return interactive
            ? new CliConsole(Console.Out, Console.Error, interactive: true, AnsiConsole.Console)
            : Plain(Console.Out, Console.Error);
    }

    /// <summary>A console without a terminal: what redirected output and the tests get.</summary>
    public static CliConsole Plain(TextWriter output, TextWriter error, TimeSpan? progressInterval = null)
    {
        var ansi = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        ansi.Profile.Width = RedirectedWidth;
        return new CliConsole(output, error, interactive: false, ansi)
        {
            PlainProgressInterval = progressInterval ?? TimeSpan.FromSeconds(5),
        };
    }
}
