using Pulse.Slo.Cli;

namespace Pulse.Slo;

internal static class Program
{
    public static Task<int> Main(string[] args) => SloCli.RunAsync(args, Console.Out, Console.Error, Environment.CurrentDirectory);
}
