using System.Globalization;
using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Api.Http;

/// <summary>start_date / end_date: a date (yyyy-MM-dd, end inclusive) or an ISO 8601 date-time (end exclusive), UTC.</summary>
public static class DateRange
{
    public static (DateTime? Start, DateTime? End) Parse(IQueryCollection query)
    {
        var errors = new ValidationErrors();
        var start = Read(query, "start_date", isEnd: false, errors);
        var end = Read(query, "end_date", isEnd: true, errors);
        if (start is not null && end is not null && end <= start)
        {
            errors.Add("end_date", "Must be after start_date");
        }

        errors.ThrowIfAny();
        return (start, end);
    }

    private static DateTime? Read(IQueryCollection query, string name, bool isEnd, ValidationErrors errors)
    {
        var raw = query[name].ToString();
        if (raw.Length == 0)
        {
            return null;
        }

        if (DateOnly.TryParseExact(raw, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            var day = date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
            return isEnd ? day.AddDays(1) : day;
        }

        if (DateTimeOffset.TryParse(raw, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant))
        {
            return instant.UtcDateTime;
        }

        errors.Add(name, "Must be a date (2025-01-28) or an ISO 8601 date-time");
        return null;
    }
}
