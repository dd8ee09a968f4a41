namespace Chronik.Protocol.Generator;

/// <summary>
/// The fewest bytes an array element can take on the wire, over the versions the array exists in. The reader
/// bounds an array's count by the bytes left divided by it, so a claimed count cannot pre-size a list beyond
/// what the frame could hold.
/// </summary>
internal sealed class MinimumSize(MessageSpec spec, Func<string, List<FieldSpec>> structFields)
{
    /// <summary>The minimum element size of <paramref name="array"/> over the versions in <paramref name="versions"/> (0 when some version has empty elements).</summary>
    public int ArrayElement(FieldSpec array, VersionRange versions)
    {
        var range = versions.Intersect(spec.ValidVersions);
        int min = int.MaxValue;
        for (int v = range.Min; v <= range.Max; v++)
        {
            short version = (short)v;
            min = Math.Min(min, array.IsStructLike ? Struct(array.ElementType, version) : Scalar(array.ElementType, Flexible(array, version)));
        }
        return min == int.MaxValue ? 0 : min;
    }

    private bool Flexible(FieldSpec f, short version) => (f.FlexibleVersions ?? spec.FlexibleVersions).Contains(version);

    private int Struct(string name, short version)
    {
        // A flexible struct always ends with its tagged-field count.
        int size = spec.FlexibleVersions.Contains(version) ? 1 : 0;
        foreach (var f in structFields(name))
        {
            if (!f.Versions.Contains(version) || f.TaggedVersions.Contains(version)) continue;
            bool flexible = Flexible(f, version);
            if (f.IsArray) size += flexible ? 1 : 4;
            else if (f.IsStructLike) size += f.NullableVersions.Contains(version) ? 1 : Struct(f.Type, version);
            else size += Scalar(f.Type, flexible);
        }
        return size;
    }

    private static int Scalar(string type, bool flexible) => type switch
    {
        "string" => flexible ? 1 : 2,
        "bytes" or "records" => flexible ? 1 : 4,
        _ => TypeMapper.FixedSize(type),
    };
}
