# bash completion for sessim: commands, and each command's options as its
# own --help prints them, read when completing, so they never drift from the
# program. `make install` puts it in share/bash-completion/completions/sessim;
# sim/tests/install_test.sh completes with the installed copy.

_sessim_options()
{
    "$1" "$2" --help 2>/dev/null |
        grep -oE '(^|[[:space:][|(,])--?[A-Za-z][-A-Za-z0-9]*' |
        sed 's/^[^-]*//' | sort -u
}

_sessim()
{
    local cur prev cmd
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    if [ "$COMP_CWORD" -eq 1 ]; then
        local cmds
        cmds=$("${COMP_WORDS[0]}" --help 2>/dev/null | sed -n 's/^  sessim \([a-z][-a-z]*\).*/\1/p')
        COMPREPLY=($(compgen -W "$cmds --help --version" -- "$cur"))
        return
    fi
    cmd=${COMP_WORDS[1]}
    case $prev in
        --junit|--tap|--json|--html|--semantics|--divergences|--server|--out|-o|--prosody)
            COMPREPLY=($(compgen -f -- "$cur"))
            return ;;
        --dir|--record)
            COMPREPLY=($(compgen -d -- "$cur"))
            return ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_sessim_options "${COMP_WORDS[0]}" "$cmd")" -- "$cur"))
    else
        # PATHS: scenario files and directories
        COMPREPLY=($(compgen -f -X '!*.yaml' -- "$cur") $(compgen -f -X '!*.scs' -- "$cur")
                   $(compgen -d -- "$cur"))
    fi
}
complete -o filenames -F _sessim sessim
