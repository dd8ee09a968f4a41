using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace Chronik.Storage.Objects.S3;

/// <summary>
/// An object store in an S3 bucket (AWS, or an S3-compatible endpoint such as s3rver or MinIO), over AWSSDK.S3 with
/// the SDK's own retries off: every call goes through <see cref="RetryPolicy"/>. Write-once without conditional PUTs:
/// a HEAD refuses a key that exists before the first attempt; a retried attempt sends the same bytes again (S3 keeps
/// the last whole PUT, so a retry after an attempt that did land is harmless). Content-MD5 makes S3 refuse a body
/// that arrived damaged, so a PUT that returns stored exactly its bytes.
/// </summary>
public sealed class S3ObjectStore : IObjectStore
{
    private readonly AmazonS3Client _client;
    private readonly S3ObjectStoreOptions _options;
    private readonly RetryPolicy _retry;

    public S3ObjectStore(S3ObjectStoreOptions options)
    {
        _options = options;
        _retry = options.Retry;
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.PathStyle,
            MaxErrorRetry = 0,
            Timeout = _retry.AttemptTimeout,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (options.Endpoint is not null)
        {
            config.ServiceURL = options.Endpoint.ToString();
            config.AuthenticationRegion = options.Region;
        }
        else
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(options.Region);
        }
        _client = options.AccessKeyId is { Length: > 0 } && options.SecretAccessKey is { Length: > 0 }
            ? new AmazonS3Client(options.SessionToken is { Length: > 0 }
                ? new SessionAWSCredentials(options.AccessKeyId, options.SecretAccessKey, options.SessionToken)
                : new BasicAWSCredentials(options.AccessKeyId, options.SecretAccessKey), config)
            : new AmazonS3Client(config);
    }

    public string Description => $"s3://{_options.Bucket}" + (_options.Endpoint is null ? $" ({_options.Region})" : $" at {_options.Endpoint}");

    public async Task PutAsync(string key, ReadOnlySequence<byte> data, CancellationToken cancellationToken)
    {
        ObjectKey.Validate(key);
        if (await HeadAsync(key, cancellationToken).ConfigureAwait(false) is not null) throw new ObjectAlreadyExistsException(key);
        string md5 = Md5Base64(data);
        await RunAsync($"PUT {key}", async ct =>
        {
            var request = new PutObjectRequest
            {
                BucketName = _options.Bucket,
                Key = key,
                InputStream = new SequenceStream(data),
                AutoCloseStream = true,
                AutoResetStreamPosition = true,
                MD5Digest = md5,
                UseChunkEncoding = false,
                ContentType = "application/octet-stream",
            };
            await _client.PutObjectAsync(request, ct).ConfigureAwait(false);
            return 0;
        }, key, cancellationToken).ConfigureAwait(false);
    }

    public async Task<int> ReadAsync(string key, long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        ObjectKey.Validate(key);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (destination.Length == 0)
        {
            return await HeadAsync(key, cancellationToken).ConfigureAwait(false) is null ? throw new ObjectNotFoundException(key) : 0;
        }
        return await RunAsync($"GET {key}", async ct =>
        {
            try
            {
                return await GetRangeAsync(key, offset, destination, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (IsRetryable(e, false) && e is not AmazonServiceException)
            {
                // s3rver answers a range of an empty object with a one-byte body it never sends: past the end is 0 bytes.
                if (await EndsBeforeAsync(key, offset, ct).ConfigureAwait(false)) return 0;
                throw;
            }
        }, key, cancellationToken).ConfigureAwait(false);
    }

    private async Task<int> GetRangeAsync(string key, long offset, Memory<byte> destination, CancellationToken ct)
    {
        var request = new GetObjectRequest { BucketName = _options.Bucket, Key = key, ByteRange = new ByteRange(offset, offset + destination.Length - 1) };
        GetObjectResponse response;
        try
        {
            response = await _client.GetObjectAsync(request, ct).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            return 0; // the range starts at or past the end
        }
        using (response)
        {
            long expected = Math.Min(destination.Length, response.ContentLength);
            int total = 0;
            var body = response.ResponseStream;
            while (total < destination.Length)
            {
                int n = await body.ReadAsync(destination[total..], ct).ConfigureAwait(false);
                if (n == 0) break;
                total += n;
            }
            if (total < expected) throw new IOException($"GET {key}: the body ended after {total} of {expected} bytes");
            return total;
        }
    }

    /// <summary>Whether the object is no longer than <paramref name="offset"/> (a HEAD inside a failed GET attempt).</summary>
    private async Task<bool> EndsBeforeAsync(string key, long offset, CancellationToken ct)
    {
        try
        {
            var r = await _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = _options.Bucket, Key = key }, ct).ConfigureAwait(false);
            return r.ContentLength <= offset;
        }
        catch (Exception e) when (e is AmazonServiceException || IsRetryable(e, false))
        {
            return false; // the GET's own failure is reported
        }
    }

    public Task<ObjectInfo?> HeadAsync(string key, CancellationToken cancellationToken)
    {
        ObjectKey.Validate(key);
        return RunAsync<ObjectInfo?>($"HEAD {key}", async ct =>
        {
            try
            {
                var r = await _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = _options.Bucket, Key = key }, ct).ConfigureAwait(false);
                return new ObjectInfo(key, r.ContentLength, r.LastModified ?? DateTime.UnixEpoch);
            }
            catch (AmazonS3Exception e) when (IsNoSuchKey(e))
            {
                return null;
            }
        }, key, cancellationToken);
    }

    public Task<ObjectListPage> ListAsync(string prefix, string? continuation, int maxKeys, CancellationToken cancellationToken)
    {
        ObjectKey.ValidatePrefix(prefix);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxKeys, 1);
        return RunAsync($"LIST {prefix}", async ct =>
        {
            var request = new ListObjectsV2Request { BucketName = _options.Bucket, Prefix = prefix, MaxKeys = maxKeys, ContinuationToken = continuation };
            var r = await _client.ListObjectsV2Async(request, ct).ConfigureAwait(false);
            var objects = (r.S3Objects ?? []).Select(o => new ObjectInfo(o.Key, o.Size ?? 0, o.LastModified ?? DateTime.UnixEpoch)).ToList();
            return new ObjectListPage(objects, r.IsTruncated == true ? r.NextContinuationToken : null);
        }, null, cancellationToken);
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        ObjectKey.Validate(key);
        return RunAsync($"DELETE {key}", async ct =>
        {
            try
            {
                await _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _options.Bucket, Key = key }, ct).ConfigureAwait(false);
            }
            catch (AmazonS3Exception e) when (IsNoSuchKey(e))
            {
                // already gone
            }
            return 0;
        }, key, cancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Runs one call under the retry policy, mapping S3's answers to the store's exceptions.</summary>
    private async Task<T> RunAsync<T>(string what, Func<CancellationToken, Task<T>> call, string? key, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            Exception failure;
            using (var attemptCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                attemptCts.CancelAfter(_retry.AttemptTimeout);
                try
                {
                    return await call(attemptCts.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested && IsRetryable(e, attemptCts.IsCancellationRequested))
                {
                    failure = e;
                }
                catch (AmazonS3Exception e) when (IsNoSuchKey(e) && key is not null)
                {
                    throw new ObjectNotFoundException(key, e);
                }
                catch (AmazonServiceException e)
                {
                    throw new ObjectStoreException($"{what} in {Description} failed: {(int)e.StatusCode} {e.ErrorCode}: {e.Message}", e);
                }
                catch (AmazonClientException e) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new ObjectStoreException($"{what} in {Description} failed: {e.Message}", e);
                }
            }
            if (attempt >= _retry.MaxAttempts)
            {
                throw new ObjectStoreUnavailableException($"{what} in {Description} failed {attempt} times (the retry budget); last error: {Describe(failure)}", failure) { Attempts = attempt };
            }
            await Task.Delay(_retry.DelayAfter(attempt), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A 404 for the key (NoSuchKey, or a body-less HEAD), not for a missing bucket.</summary>
    private static bool IsNoSuchKey(AmazonS3Exception e) => e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode != "NoSuchBucket";

    /// <summary>503/SlowDown, other 5xx, 429, request timeouts, and transport failures are worth another attempt.</summary>
    internal static bool IsRetryable(Exception e, bool attemptTimedOut)
    {
        switch (e)
        {
            case OperationCanceledException:
                return attemptTimedOut;
            case AmazonServiceException s when (int)s.StatusCode >= 500 || (int)s.StatusCode == 429
                || s.ErrorCode is "SlowDown" or "RequestTimeout" or "InternalError" or "ServiceUnavailable" or "Throttling":
                return true;
            case AmazonServiceException s when s.StatusCode == 0:
                return e.InnerException is { } cause && IsRetryable(cause, attemptTimedOut);
            case HttpRequestException or IOException or SocketException or TimeoutException:
                return true;
            case AmazonClientException when e.InnerException is { } inner:
                return IsRetryable(inner, attemptTimedOut);
            default:
                return false;
        }
    }

    private static string Describe(Exception e) =>
        e is AmazonServiceException s && s.StatusCode != 0 ? $"{(int)s.StatusCode} {s.ErrorCode}: {s.Message}" : $"{e.GetType().Name}: {e.Message}";

    private static string Md5Base64(ReadOnlySequence<byte> data)
    {
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        foreach (var segment in data) md5.AppendData(segment.Span);
        return Convert.ToBase64String(md5.GetHashAndReset());
    }
}
