"""`send` beside a running dashboard: the dashboard holds the warehouse file, so cron's `send` goes through the
served setup's owner process (HANDSHAKE_OWNER) or is told how; and two runs at once never send a message twice."""

import subprocess
import sys

import pytest

from handshake import cli, outbox, warehouse
from mail_server import Mailbox
from test_breach_alerts import NOW, PEOPLE, ROWS, alert


@pytest.fixture
def alerts_file(empty_warehouse):
    con = warehouse.open_warehouse(empty_warehouse)
    con.execute(ROWS)
    warehouse.refresh_lead_facts(con)
    alert(con)  # five messages due at NOW: Ana, Bo, Cy, their head Hana, the desk (see test_breach_alerts)
    con.close()
    return empty_warehouse


def secrets_for(settings, tmp_path):
    path = tmp_path / "secrets.toml"
    path.write_text(f'[handshake.smtp]\nhost = "127.0.0.1"\nport = {settings["port"]}\nfrom = "{settings["from"]}"\n'
                    'timeout = 5\n')
    return str(path)


def test_send_goes_through_the_owner_process_when_the_dashboard_is_served(alerts_file, smtp, tmp_path, owner_of,
                                                                          capsys):
    mailbox = Mailbox()
    secrets = secrets_for(smtp(mailbox), tmp_path)
    _, server = owner_of(alerts_file)
    args = ["send", "--warehouse", str(alerts_file), "--now", NOW.isoformat(), "--secrets", secrets]
    assert cli.main(args) == 0
    assert capsys.readouterr().out == "sent 5, waiting to be tried again 0, failed 0\n"
    assert cli.main(args) == 0  # cron's next run: nothing again
    assert capsys.readouterr().out == "sent 0, waiting to be tried again 0, failed 0\n"
    assert sorted(to for (to,), _ in mailbox.received) == sorted([*PEOPLE.values(), "desk@example.com"])
    states = server.owner.con.execute("select state, count(*) from outbox group by state").fetchall()
    assert states == [("sent", 5)]


def test_send_on_a_file_another_process_holds_says_how_to_send_beside_the_dashboard(alerts_file, capsys):
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('held', flush=True); time.sleep(120)", str(alerts_file)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        assert cli.main(["send", "--warehouse", str(alerts_file), "--now", NOW.isoformat()]) == 1
        err = capsys.readouterr().err
        assert "another process holds this warehouse" in err and "README, 'Sending from cron'" in err
        assert "Import data page" not in err and err.count("\n") == 1
    finally:
        holder.kill()
        holder.wait()


def test_two_runs_at_once_send_each_message_once(alerts_file, smtp):
    mailbox = Mailbox()
    settings = smtp(mailbox)
    con = warehouse.open_warehouse(alerts_file)
    outbox.queue(con, NOW)
    read_by_first, read_by_second = outbox.pending(con, NOW), outbox.pending(con, NOW)  # both read the same five
    assert len(read_by_first) == len(read_by_second) == 5
    assert [outbox.claim(con, d, NOW) for d in read_by_first] == [True] * 5
    assert [outbox.claim(con, d, NOW) for d in read_by_second] == [False] * 5  # taken since they were read
    con.close()
