"""The page's classroom parts: the password gate, the "server full" notice and follow mode.

Follow mode (`classroom.Room`): the trainer presses "Start a classroom" and reads the room code
out; trainees type it under "Follow the trainer". Their pages then show the trainer's street
live, read-only, with their own colouring and language. The trainer can hand control to a
trainee (and take it back) or let everyone branch off with their own copy at the same day.
"""

from __future__ import annotations

from contextlib import contextmanager
from urllib.parse import parse_qs

import solara

from simulation.dashboard.classroom import REGISTRY, ROOMS, normalise_code, token_accepted
from simulation.dashboard.i18n import pick
from simulation.dashboard.state import PageState


def query_token() -> str:
    """The `token=` value of the page's address ("" if none)."""
    search = solara.use_router().search or ""
    return (parse_qs(search).get("token") or [""])[0]


@contextmanager
def _centred_notice(title: str, text: str, width: int, classes: list[str]):
    """A centred column with a heading and a paragraph; what the caller adds goes below them."""
    with solara.Column(style=f"max-width:{width}px;margin:48px auto;padding:16px", classes=classes):
        solara.HTML(tag="h2", unsafe_innerHTML=title)
        solara.Text(text)
        yield


@solara.component
def PasswordGate(unlocked: solara.Reactive[bool]):
    """A polite refusal with a password field, for a page without the classroom password."""
    typed = solara.use_reactive("")
    wrong = solara.use_reactive(False)

    def check(*_):
        if token_accepted(typed.value):
            unlocked.value = True
        else:
            wrong.value = True

    with _centred_notice(
        pick("This dashboard is for one classroom", "本平台仅供本课堂使用"),
        pick(
            "Please type the classroom password your trainer gave you, or open the link "
            "the trainer shared.",
            "请输入培训老师提供的课堂密码，或打开老师分享的链接。",
        ),
        width=520,
        classes=["gg-gate"],
    ):
        solara.InputText(
            pick("Classroom password", "课堂密码"),
            value=typed,
            password=True,
            continuous_update=True,
            error=pick("That is not the password", "密码不正确") if wrong.value else False,
            classes=["gg-password"],
        )
        solara.Button(pick("Enter", "进入"), color="primary", on_click=check, classes=["gg-enter"])


@solara.component
def ServerFull(max_sessions: int):
    """The notice a page gets when the server already holds its maximum of sessions."""
    with _centred_notice(
        pick("The classroom is full", "课堂人数已满"),
        pick(
            f"This dashboard already serves {max_sessions} pages, its limit. Please close "
            "a tab you no longer use, wait a minute and reload, or watch the trainer's screen.",
            f"本平台已同时服务 {max_sessions} 个页面（上限）。请关闭不用的标签页，"
            "稍等一分钟后刷新，或观看老师的屏幕。",
        ),
        width=560,
        classes=["gg-full"],
    ):
        pass


@solara.component
def ClassroomCard(state: PageState):
    """Sidebar card: start a room, follow one, hand control over, branch off."""
    room = state.room.value
    state.settings.value  # noqa: B018 - redraw when members or the driver change
    code = solara.use_reactive("")
    problem = solara.use_reactive("")

    def start():
        state.room.value = ROOMS.open(state.session, state.page)

    def join():
        target = ROOMS.get(code.value)
        number = len(target.viewers) + 1 if target is not None else 0
        joined = ROOMS.join(code.value, state.page, pick(f"Trainee {number}", f"学员 {number}"))
        if joined is None:
            problem.value = pick(
                f"No open room '{normalise_code(code.value)}'",
                f"没有编号为“{normalise_code(code.value)}”的课堂",
            )
            return
        problem.value = ""
        state.playing.value = False
        own = state.session
        state.room.value = joined
        state.current.value = joined.session
        own.streets = {}  # a viewer's own street is no longer shown: free it now
        state.redraw()

    with solara.Card(pick("Classroom", "课堂"), margin=0, classes=["gg-classroom"]):
        solara.HTML(
            tag="div",
            unsafe_innerHTML=pick(
                f"This server: <b>{len(REGISTRY)}</b> pages open (limit {REGISTRY.max_sessions})",
                f"本服务器：已打开 <b>{len(REGISTRY)}</b> 个页面（上限 {REGISTRY.max_sessions}）",
            ),
            classes=["gg-server-load"],
            style="font-size:13px;color:#555",
        )
        if room is None:
            solara.Button(
                pick("Start a classroom (trainees follow me)", "开始课堂（学员跟随我）"),
                on_click=start,
                classes=["gg-room-start"],
            )
            with solara.Row(gap="4px", style="align-items:center"):
                solara.InputText(
                    pick("Room code", "课堂编号"),
                    value=code,
                    continuous_update=True,
                    classes=["gg-room-code-input"],
                )
                solara.Button(pick("Follow", "跟随"), on_click=join, classes=["gg-room-join"])
            if problem.value:
                solara.Warning(problem.value, dense=True)
            return
        if room.owner == state.page:
            _owner_controls(state, room)
        else:
            _viewer_controls(state, room)


def _member_name(room, page: str) -> str:
    if page == room.owner:
        return pick("Trainer", "老师")
    return room.viewers.get(page, page)


def _owner_controls(state: PageState, room) -> None:
    # A plain function, not a component: it must redraw whenever the card does, and a
    # component with unchanged arguments would not.
    solara.HTML(
        tag="div",
        unsafe_innerHTML=(
            f'{pick("Room code", "课堂编号")}: <b class="gg-room-code" '
            f'style="font-size:28px;letter-spacing:4px">{room.code}</b><br>'
            + pick(
                f"{len(room.viewers)} following; driving: {_member_name(room, room.driver)}",
                f"{len(room.viewers)} 人跟随；操作者：{_member_name(room, room.driver)}",
            )
        ),
    )
    members = [room.owner, *room.viewers]
    names = [_member_name(room, p) for p in members]
    solara.Select(
        label=pick("Who drives", "谁来操作"),
        values=names,
        value=_member_name(room, room.driver),
        on_value=lambda name: room.hand_control(members[names.index(name)]),
        classes=["gg-room-driver"],
    )
    with solara.Row(gap="4px"):
        solara.Button(
            pick("Everyone branches off", "大家各自继续"),
            on_click=lambda: (ROOMS.branch_all(room), state.leave_room(branch=False)),
            classes=["gg-room-branch-all"],
        )
        solara.Button(
            pick("Close the room", "结束课堂"),
            on_click=lambda: state.leave_room(branch=False),
            classes=["gg-room-close"],
        )


def _viewer_controls(state: PageState, room) -> None:
    driving = room.can_drive(state.page)
    solara.HTML(
        tag="div",
        unsafe_innerHTML=(
            f'<span class="gg-following">{pick("Following room", "正在跟随课堂")} '
            f"<b>{room.code}</b></span><br>"
            + (
                pick("You drive the simulation now.", "现在由您操作模拟。")
                if driving
                else pick(
                    "The trainer drives; you choose the colouring.", "老师操作；颜色方式可自选。"
                )
            )
        ),
    )
    solara.Button(
        pick("Branch off with my own copy", "复制一份自己继续"),
        on_click=lambda: state.leave_room(branch=True),
        classes=["gg-room-branch"],
    )
