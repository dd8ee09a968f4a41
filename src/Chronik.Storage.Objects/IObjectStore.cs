using System.Buffers;

namespace Chronik.Storage.Objects;

/// <summary>
/// A flat store of immutable objects (S3 or a shared directory). Every object is written once, whole, under a key
/// unique by construction (<see cref="ObjectKey"/>); a PUT on a key that exists is refused, never an overwrite.
/// Every call takes a cancellation token and is bounded by the store's own timeouts; a call that returns normally
/// did what it says (a PUT that returns has stored every byte), and one that cannot throws an <see cref="ObjectStoreException"/>.
/// </summary>
public interface IObjectStore : IAsyncDisposable
{
    /// <summary>Where the store points, for logs (no credentials).</summary>
    string Description { get; }

    /// <summary>Stores <paramref name="data"/> as the whole object <paramref name="key"/>; throws <see cref="ObjectAlreadyExistsException"/> if the key exists.</summary>
    Task PutAsync(string key, ReadOnlySequence<byte> data, CancellationToken cancellationToken);

    /// <summary>
    /// Reads the object's bytes from <paramref name="offset"/> into <paramref name="destination"/>: returns how many were read,
    /// fewer than its length only at the object's end (0 from the end onwards). Throws <see cref="ObjectNotFoundException"/> for a missing key.
    /// </summary>
    Task<int> ReadAsync(string key, long offset, Memory<byte> destination, CancellationToken cancellationToken);

    /// <summary>The object's size and time, or null when there is no object under <paramref name="key"/>.</summary>
    Task<ObjectInfo?> HeadAsync(string key, CancellationToken cancellationToken);

    /// <summary>
    /// One page of the keys that start with <paramref name="prefix"/>: at most <paramref name="maxKeys"/>, after the page
    /// that returned <paramref name="continuation"/> (null for the first page). Keys come in ordinal order (S3's UTF-8
    /// byte order; s3rver deviates only between a folder's keys and a sibling key that sorts among them).
    /// </summary>
    Task<ObjectListPage> ListAsync(string prefix, string? continuation, int maxKeys, CancellationToken cancellationToken);

    /// <summary>Deletes the object; deleting a key that does not exist is not an error (as in S3).</summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken);
}

/// <summary>One stored object: its key, size in bytes and last-modified time.</summary>
public sealed record ObjectInfo(string Key, long Size, DateTimeOffset LastModified);

/// <summary>A page of a listing; <see cref="Continuation"/> is null on the last page.</summary>
public sealed record ObjectListPage(IReadOnlyList<ObjectInfo> Objects, string? Continuation);
