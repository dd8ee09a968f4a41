using System.Globalization;

namespace Chronik.SchemaRegistry.Registry;

/// <summary>A version path segment: a number from 1, or <c>latest</c> (also -1).</summary>
internal readonly record struct VersionSpec(int Number)
{
    public bool IsLatest => Number < 0;

    public static VersionSpec Parse(string text)
    {
        if (string.Equals(text, "latest", StringComparison.OrdinalIgnoreCase)) return new VersionSpec(-1);
        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int v) && (v >= 1 || v == -1)) return new VersionSpec(v);
        throw RegistryErrors.InvalidVersion(text);
    }
}
