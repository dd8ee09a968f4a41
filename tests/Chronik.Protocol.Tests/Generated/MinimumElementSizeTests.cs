using System.Collections;
using Chronik.Protocol.Generator;
using Chronik.Protocol.Messages;
using Chronik.Protocol.Wire;
using Xunit;

namespace Chronik.Protocol.Tests.Generated;

/// <summary>
/// The reader rejects an array count that its elements' minimum size cannot fit in the bytes left, so that minimum
/// must never be too high: arrays of default (smallest) elements, at the top level and one level down, decode at
/// every version.
/// </summary>
public class MinimumElementSizeTests
{
    private const int Count = 40;
    private static readonly List<MessageSpec> Specs = CodeGenerator.LoadDefaultSchemas(CodeGenerator.FindRepoRoot(AppContext.BaseDirectory));

    public static IEnumerable<object[]> Messages() => Specs.Select(s => new object[] { s.Name }).OrderBy(n => (string)n[0], StringComparer.Ordinal);

    [Theory]
    [MemberData(nameof(Messages))]
    public void Arrays_of_smallest_elements_decode(string name)
    {
        var spec = Specs.Single(s => s.Name == name);
        var type = typeof(ApiKeys).Assembly.GetType("Chronik.Protocol.Messages." + name, throwOnError: true)!;
        for (short v = spec.ValidVersions.Min; v <= spec.ValidVersions.Max; v++)
        {
            foreach (bool nested in new[] { false, true })
            {
                var msg = (IKafkaMessage)Activator.CreateInstance(type)!;
                RandomFiller.UseSpec(spec);
                FillArrays(msg, spec.Fields, v, nested);
                byte[] bytes = msg.ToBytes(v);
                var back = (IKafkaMessage)Activator.CreateInstance(type)!;
                var reader = new KafkaReader(bytes);
                back.Read(ref reader, v);
                Assert.True(reader.End, $"{name} v{v}: {reader.Remaining} bytes left");
            }
        }
    }

    /// <summary>Gives every array present at the version <see cref="Count"/> default elements, or (nested) one element whose own arrays get them.</summary>
    private static void FillArrays(object target, List<FieldSpec> fields, short version, bool nested)
    {
        foreach (var f in fields)
        {
            if (!f.Versions.Contains(version) || !f.IsArray) continue;
            var prop = RandomFiller.Prop(target.GetType(), f.Name);
            var listType = Nullable.GetUnderlyingType(prop.PropertyType) ?? prop.PropertyType;
            var list = (IList)Activator.CreateInstance(listType)!;
            var elementType = listType.GetGenericArguments()[0];
            if (nested)
            {
                if (!f.IsStructLike) continue;
                var e = Activator.CreateInstance(elementType)!;
                FillArrays(e, f.Fields ?? RandomFiller.StructFields(f.ElementType), version, nested: false);
                list.Add(e);
            }
            else
            {
                for (int i = 0; i < Count; i++) list.Add(Smallest(elementType));
            }
            prop.SetValue(target, list);
        }
    }

    private static object Smallest(Type t) =>
        t == typeof(string) ? "" : t == typeof(byte[]) ? Array.Empty<byte>() : Activator.CreateInstance(t)!;
}
