-- the random draws and time helpers the generator's steps share; no parameters
-- Hash-based draws: the same seed gives the same numbers whatever the thread count.
create or replace temp macro u01(k, salt, seed) as
    ((hash(k, salt, seed) >> 11)::double / 9007199254740992.0);
create or replace temp macro nrm(k, salt, seed) as
    sqrt(-2 * ln(1 - u01(k, salt, seed))) * cos(2 * pi() * u01(k, salt + 1000, seed));
create or replace temp macro expo(k, salt, seed, mean) as
    -ln(1 - u01(k, salt, seed)) * mean;
create or replace temp macro logistic(x) as 1 / (1 + exp(-x));
create or replace temp macro plus_hours(ts, h) as
    make_timestamp(epoch_us(ts) + (h * 3600000000)::bigint);
-- censoring: a stage the lead would reach after "now" has not happened yet
create or replace temp macro by_now(ts, now) as case when ts <= now then ts end;
