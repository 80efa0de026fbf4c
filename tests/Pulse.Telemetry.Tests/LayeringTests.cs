using System.Reflection;
using System.Reflection.Emit;
using Pulse.Telemetry.Hosting;

namespace Pulse.Telemetry.Tests;

/// <summary>
/// The library's namespaces are layers whose references point one way: the public registration on top, then
/// the exporters, which use the schema and never each other, then the schema, then the format writers, which
/// know nothing of Pulse. Read from the compiled assembly: signatures and every method body's IL.
/// </summary>
public sealed class LayeringTests
{
    private const string Root = "Pulse.Telemetry";

    private static readonly Lazy<Dictionary<string, HashSet<string>>> Imports = new(ReadImports);

    [Fact]
    public void NoNamespaceImportsOneThatImportsItBack()
    {
        var graph = Imports.Value;
        foreach (var start in graph.Keys)
        {
            var reachable = Reach(graph, start);
            Assert.False(reachable.Contains(start), $"{start} reaches itself: {string.Join(", ", reachable.Order(StringComparer.Ordinal))}.");
        }
    }

    [Theory]
    [InlineData("Pulse.Telemetry.Formats.Prometheus")]
    [InlineData("Pulse.Telemetry.Formats.Emf")]
    public void FormatWritersKnowNothingOfPulse(string formats) =>
        Assert.Empty(Imports.Value.GetValueOrDefault(formats, []));

    [Fact]
    public void TheContractAndOptionsImportNoOtherNamespace() =>
        Assert.Empty(Imports.Value.GetValueOrDefault(Root, []));

    [Theory]
    [InlineData("Pulse.Telemetry.Prometheus", "Pulse.Telemetry.Emf")]
    [InlineData("Pulse.Telemetry.Emf", "Pulse.Telemetry.Prometheus")]
    [InlineData("Pulse.Telemetry.Schema", "Pulse.Telemetry.Prometheus")]
    [InlineData("Pulse.Telemetry.Schema", "Pulse.Telemetry.Emf")]
    [InlineData("Pulse.Telemetry.Schema", "Pulse.Telemetry.Http")]
    [InlineData("Pulse.Telemetry.Http", "Pulse.Telemetry.Emf")]
    [InlineData("Pulse.Telemetry.Http", "Pulse.Telemetry.Prometheus")]
    public void ALayerDoesNotReachAnother(string from, string to) =>
        Assert.DoesNotContain(to, Reach(Imports.Value, from));

    [Fact]
    public void TheReadingSeesReferencesInsideMethodBodies() =>
        Assert.Contains("Pulse.Telemetry.Prometheus", Imports.Value["Pulse.Telemetry.Hosting"]);

    private static HashSet<string> Reach(Dictionary<string, HashSet<string>> graph, string start)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>(graph.GetValueOrDefault(start, []));
        while (pending.TryPop(out var next))
        {
            if (seen.Add(next))
            {
                foreach (var further in graph.GetValueOrDefault(next, []))
                {
                    pending.Push(further);
                }
            }
        }

        return seen;
    }

    private static Dictionary<string, HashSet<string>> ReadImports()
    {
        var assembly = typeof(PulseMeterProviderBuilderExtensions).Assembly;
        var graph = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var type in assembly.GetTypes())
        {
            if (type.Namespace is not { } from || !from.StartsWith(Root, StringComparison.Ordinal))
            {
                continue;
            }

            var imports = graph.TryGetValue(from, out var known) ? known : graph[from] = new HashSet<string>(StringComparer.Ordinal);
            void Add(Type? referenced)
            {
                foreach (var part in Expand(referenced))
                {
                    if (part.Assembly == assembly && part.Namespace is { } to && to != from && to.StartsWith(Root, StringComparison.Ordinal))
                    {
                        imports.Add(to);
                    }
                }
            }

            Add(type.BaseType);
            foreach (var implemented in type.GetInterfaces())
            {
                Add(implemented);
            }

            const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (var field in type.GetFields(all))
            {
                Add(field.FieldType);
            }

            foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
            {
                Add((method as MethodInfo)?.ReturnType);
                foreach (var parameter in method.GetParameters())
                {
                    Add(parameter.ParameterType);
                }

                foreach (var member in ReferencedMembers(method))
                {
                    Add(member as Type ?? member.DeclaringType);
                    if (member is MethodInfo { IsGenericMethod: true } generic)
                    {
                        foreach (var argument in generic.GetGenericArguments())
                        {
                            Add(argument);
                        }
                    }
                }
            }
        }

        return graph;
    }

    private static IEnumerable<Type> Expand(Type? type)
    {
        if (type is null)
        {
            yield break;
        }

        if (type.HasElementType)
        {
            foreach (var element in Expand(type.GetElementType()))
            {
                yield return element;
            }

            yield break;
        }

        yield return type;
        if (type.IsGenericType)
        {
            foreach (var argument in type.GetGenericArguments())
            {
                foreach (var part in Expand(argument))
                {
                    yield return part;
                }
            }
        }
    }

    /// <summary>The members a method body's instructions name (calls, fields, types, tokens).</summary>
    private static IEnumerable<MemberInfo> ReferencedMembers(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            yield break;
        }

        var typeArguments = method.DeclaringType is { IsGenericType: true } declaring ? declaring.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (var offset = 0; offset < il.Length;)
        {
            var opCode = il[offset] == 0xFE ? TwoByte[il[offset + 1]] : OneByte[il[offset]];
            offset += opCode.Size;
            var operandSize = OperandSize(opCode.OperandType, il, offset);
            if (opCode.OperandType is OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok)
            {
                var token = BitConverter.ToInt32(il, offset);
                MemberInfo? member;
                try
                {
                    member = method.Module.ResolveMember(token, typeArguments, methodArguments);
                }
                catch (ArgumentException)
                {
                    member = null;
                }

                if (member is not null)
                {
                    yield return member;
                }
            }

            offset += operandSize;
        }
    }

    private static int OperandSize(OperandType type, byte[] il, int offset) => type switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, offset)),
        _ => 4,
    };

    private static readonly OpCode[] OneByte = new OpCode[256];
    private static readonly OpCode[] TwoByte = new OpCode[256];

    static LayeringTests()
    {
        foreach (var field in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var opCode = (OpCode)field.GetValue(null)!;
            var value = unchecked((ushort)opCode.Value);
            if (opCode.Size == 1)
            {
                OneByte[value] = opCode;
            }
            else
            {
                TwoByte[value & 0xFF] = opCode;
            }
        }
    }
}
